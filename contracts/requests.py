"""Events published by the requests service on `requests.events` (keyed by request_id).

Events carry the pseudonymous `person_ref`, never names or addresses.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from contracts.envelope import Event
from contracts.registry import register

TOPIC = "requests.events"


class RequestEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
    request_id: str = Field(description="The request for service (aggregate id and Kafka key).")

    def aggregate_id(self) -> str:
        return self.request_id


@register
class ServiceRequested(RequestEvent):
    """A person, their representative or their social worker asked for care and support."""

    EVENT_TYPE: ClassVar[str] = "ServiceRequested"
    SCHEMA_VERSION: ClassVar[int] = 1

    person_ref: str = Field(description="Pseudonymous reference of the person (no personal data).")
    requested_by: str = Field(description="person, representative or social_worker")
    requested_start: date
