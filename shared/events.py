"""Building envelopes for events a service is about to record in its outbox."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from contracts.envelope import Actor, Envelope, Event
from shared.clock import utcnow
from shared.tracing import continued


@dataclass(frozen=True)
class Cause:
    """What a new event follows from: the flow it belongs to, what caused it, who acted, and the trace
    (W3C traceparent, shared.tracing) its envelope carries on."""

    correlation_id: str
    causation_id: str | None
    actor: Actor
    traceparent: str | None = None

    @classmethod
    def from_envelope(cls, envelope: Envelope, actor: Actor | None = None) -> "Cause":
        """A cause for events that follow from a consumed event (same flow, caused by it, same trace: the
        span handling it when there is one, else the event's own traceparent; shared.tracing.continued)."""
        return cls(envelope.correlation_id, str(envelope.event_id), actor or envelope.actor,
                   continued(envelope.traceparent))


_ENVELOPES: dict[type[Event], type[Envelope]] = {}


def envelope_type(model: type[Event]) -> type[Envelope]:
    """`Envelope[model]`, remembered: pydantic's own lookup of a parametrised generic costs several µs,
    paid per event on the hot paths (every envelope written, every event consumed)."""
    found = _ENVELOPES.get(model)
    if found is None:
        found = _ENVELOPES[model] = Envelope[model]  # type: ignore[valid-type]
    return found


def envelope_for(event: Event, *, producer: str, council_id: str, cause: Cause) -> Envelope:
    """Wrap `event` in a new envelope with a fresh event_id, timestamped now (UTC)."""
    return envelope_type(type(event))(
        event_id=uuid.uuid4(),
        event_type=event.EVENT_TYPE,
        schema_version=event.SCHEMA_VERSION,
        occurred_at=utcnow(),
        producer=producer,
        correlation_id=cause.correlation_id,
        causation_id=cause.causation_id,
        traceparent=cause.traceparent,
        council_id=council_id,
        actor=cause.actor,
        aggregate_id=event.aggregate_id(),
        payload=event,
    )
