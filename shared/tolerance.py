"""Consumer side of tolerant reading: the fields of consumed events a service does not know are counted.

Every consumer reads events with `contracts.tolerant.read` (shared.records, and the dict fast paths of
`shared.wire`): a field its contracts do not know (added by a newer producer) is ignored, never
poison. Each one is counted in `carepay_event_unknown_fields_total{service, event_type}`, so an
operator sees that producers run a newer contract than this consumer; each new field name is also
logged once per process (names only, never values).
"""
from __future__ import annotations

from shared.logging import get_logger
from shared.metrics import EVENT_UNKNOWN_FIELDS

log = get_logger(__name__)

# (service, event_type, field) already logged; bounded, so a hostile stream of made-up names cannot grow it.
_LOGGED: set[tuple[str, str, str]] = set()
_LOGGED_AT_MOST = 1000
_NAME_AT_MOST = 80


def note_unknown_fields(service: str, event_type: str, fields: tuple[str, ...]) -> None:
    """Count the unknown `fields` (dotted paths) of one consumed `event_type` event; log new names once."""
    if not fields:
        return
    EVENT_UNKNOWN_FIELDS.labels(service, event_type).inc(len(fields))
    new = [f for f in fields if (service, event_type, f) not in _LOGGED]
    if new and len(_LOGGED) < _LOGGED_AT_MOST:
        _LOGGED.update((service, event_type, f) for f in new)
        log.info("unknown event fields ignored", service=service, event_type=event_type,
                 fields=[f[:_NAME_AT_MOST] for f in new])
