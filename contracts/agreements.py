"""Events published by the agreements service on `agreements.events`."""
from __future__ import annotations

from typing import ClassVar

from contracts.envelope import Event

TOPIC = "agreements.events"


class AgreementsEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
