"""The envelope every Carepay event travels in, and the base class of event payloads.

Built strictly (an unknown field is an error), read tolerantly (`contracts.tolerant.read`: a field the
reader does not know is ignored and counted, so a producer may add an optional field before its consumers
know it).
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

P = TypeVar("P", bound="Event")
# A W3C Trace Context `traceparent` (version-traceid-parentid-flags, lower-case hex).
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
Traceparent = Annotated[str, StringConstraints(pattern=TRACEPARENT_PATTERN)]


class Actor(BaseModel):
    """Who caused the event and why. `id` is a user or system identifier, never a name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="User or system identifier (e.g. 'system:delivery', 'u-123').")
    role: str = Field(description="Role the actor acted in (e.g. social_worker, system).")
    reason: str | None = Field(default=None, description="Why, in the actor's words, when given.")


class Event(BaseModel):
    """Base of every event payload. Subclasses set EVENT_TYPE, SCHEMA_VERSION and TOPIC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    EVENT_TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str]

    def aggregate_id(self) -> str:  # pragma: no cover - each event overrides
        raise NotImplementedError


class Envelope(BaseModel, Generic[P]):
    """One event on the wire: metadata plus the typed payload.

    `aggregate_id` is also the Kafka key, so the events of one aggregate stay in order.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: uuid.UUID
    event_type: str
    schema_version: int = Field(ge=1)
    occurred_at: datetime = Field(description="UTC instant the change was committed.")
    producer: str = Field(description="Service that produced the event.")
    correlation_id: str = Field(description="Shared by every event and request of one business flow.")
    causation_id: str | None = Field(default=None, description="event_id or request id that caused this one.")
    traceparent: Traceparent | None = Field(
        default=None, description="W3C Trace Context traceparent of the trace the event belongs to (OpenTelemetry): "
                                  "the span that wrote it, or the traceparent of what caused it. Also sent as the "
                                  "Kafka header `traceparent`; absent on events written before it was added.")
    council_id: str
    actor: Actor
    aggregate_id: str
    payload: P


class RawEnvelope(Envelope[dict[str, Any]]):  # type: ignore[type-var]
    """An envelope whose payload is not yet validated against its event type."""
