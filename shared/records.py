"""What a consumer reads: a Kafka record as an `Incoming`, decoded as far as its contract allows, or
`Poison` with the reason it never will be.

An enveloped event is known by its event id; a raw feed's record only by its place. Our producers name
the event in the record's headers, so a consumer skips an event it does not read without parsing it;
anything unreadable, unknown, or keyed other than its aggregate is Poison. Events are read tolerantly
(`contracts.tolerant`): fields the consumer's contract does not know are ignored, and named in
`Incoming.unknown_fields` for the consumer to count; they are never poison.
"""
from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from contracts.envelope import Envelope, Event, RawEnvelope
from contracts.registry import lookup
from contracts.tolerant import read


@dataclass
class Incoming:
    """One consumed Kafka record, decoded as far as the consumer's contract allows."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None
    headers: dict[str, str]
    message_id: str
    envelope: Envelope | None = None
    event: Event | None = None
    # Dotted paths of the fields of the envelope and payload the consumer's contract does not know (ignored).
    unknown_fields: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.topic}/{self.partition}@{self.offset}"


class Poison(Exception):
    """A message that will never succeed as it is: dead-letter it with this reason."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


def undecoded(record: Any) -> Incoming:
    """A ConsumerRecord as an undecoded Incoming: headers and key as text, known by its place."""
    headers = {k: (v.decode(errors="replace") if isinstance(v, bytes) else str(v))
               for k, v in (record.headers or ())}
    key = record.key.decode(errors="replace") if isinstance(record.key, bytes) else record.key
    return Incoming(record.topic, record.partition, record.offset, key, record.value, headers,
                    message_id=f"{record.topic}:{record.partition}:{record.offset}")


def decode_event(item: Incoming, acts_on: Collection[type[Event]]) -> Incoming:
    """The enveloped event of `item` (its key and headers already text), if it is one of `acts_on`.

    Our producers name the event in a header: an event the consumer does not act on is skipped
    without parsing its body. Anything unreadable, unknown, or keyed other than its aggregate is Poison.
    """
    headers, key = item.headers, item.key
    named = header_model(headers)
    if named is not None and named not in acts_on:
        return item
    if item.value is None:
        raise Poison("empty_value", "the record has no value")
    if named is not None and _read_at_once(item, named):
        return item
    try:
        raw, unknown = read(RawEnvelope.model_validate_json, item.value)
    except ValidationError as exc:
        kind = "invalid_json" if any(e["type"] == "json_invalid" for e in exc.errors()) else "invalid_envelope"
        raise Poison(kind, _short(exc)) from exc
    model = lookup(raw.event_type, raw.schema_version)
    if model is None:
        known = lookup(raw.event_type, 1)
        reason = "unknown_schema_version" if known else "unknown_event_type"
        raise Poison(reason, f"{raw.event_type} v{raw.schema_version} is not in the contracts registry")
    if key != raw.aggregate_id:
        raise Poison("wrong_key", f"record key {key!r} is not the aggregate_id {raw.aggregate_id!r}")
    item.message_id = str(raw.event_id)
    if model in acts_on:
        try:
            item.event, in_payload = read(model.model_validate, raw.payload)
        except ValidationError as exc:
            raise Poison("invalid_payload", _short(exc)) from exc
        item.envelope = Envelope[model](**{**raw.model_dump(exclude={"payload"}), "payload": item.event})
        item.unknown_fields = tuple(sorted((*unknown, *(f"payload.{name}" for name in in_payload))))
    return item


def _read_at_once(item: Incoming, model: type[Event]) -> bool:
    """The envelope of the event its headers name, read in one pass; False when anything is off
    (the two-pass reading in `decode_event` then says exactly what, as poison)."""
    try:
        envelope, unknown = read(_envelope_of(model).model_validate_json, item.value)
    except ValidationError:
        return False
    if (envelope.event_type, envelope.schema_version) != (model.EVENT_TYPE, model.SCHEMA_VERSION) \
            or item.key != envelope.aggregate_id:
        return False
    item.message_id, item.event, item.envelope = str(envelope.event_id), envelope.payload, envelope
    item.unknown_fields = unknown
    return True


@functools.cache
def _envelope_of(model: type[Event]) -> type[Envelope]:
    return Envelope[model]


def header_model(headers: Mapping[str, str]) -> type[Event] | None:
    """The known event a record's headers name (our producers always name it), or None."""
    return lookup(headers.get("event_type", ""), _int_or_zero(headers.get("schema_version")))


def _int_or_zero(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _short(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(message)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)
