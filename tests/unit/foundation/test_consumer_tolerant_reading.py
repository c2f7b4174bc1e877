"""A consumer reads events tolerantly: fields its contract does not know, in the envelope or the payload,
are ignored (not dead-lettered, not kept, not published again) and counted in
`carepay_event_unknown_fields_total{service, event_type}`."""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from datetime import date

import pytest
from pydantic import ValidationError

from contracts.agreements import Rate, RateCardPublished
from contracts.envelope import Actor
from contracts.requests import ServiceRequested
from contracts.tolerant import read, unknown_fields
from shared import tolerance
from shared.consumer import EventBatchConsumer, EventConsumer
from shared.events import Cause, envelope_for
from shared.metrics import REGISTRY
from shared.testing import Record

COUNTER = "carepay_event_unknown_fields_total"


class _Connection:
    def __init__(self):
        self.applied: list[str] = []

    @asynccontextmanager
    async def transaction(self):
        yield

    async def fetch(self, _sql, _consumer, ids):  # the inbox claim: every message is new
        return [{"message_id": i} for i in ids]


class _Pool:
    def __init__(self):
        self.conn = _Connection()

    @asynccontextmanager
    async def acquire(self):
        yield self.conn


class _Settings:
    consumer_max_attempts = 1


class _Runtime:
    service = "tolerant-test"

    def __init__(self):
        self.pool, self.settings, self.outbox, self.dead = _Pool(), _Settings(), None, []

    async def wait_for_database(self):
        return None

    def transient_failure(self, consumer, kind, exc):
        raise AssertionError("no transient failure here")

    def recovered(self, consumer):
        return None

    async def dead_letter(self, consumer, letters):
        self.dead.extend(letters)


def _record(offset: int, headers=(), **unknown) -> Record:
    event = ServiceRequested(request_id="REQ-1", person_ref="P1", requested_by="person",
                             requested_start=date(2026, 12, 1))
    envelope = json.loads(envelope_for(event, producer="requests", council_id="c",
                                       cause=Cause("corr", None, Actor(id="u", role="person"))).model_dump_json())
    envelope["payload"].update(unknown.pop("payload", {}))
    envelope["actor"].update(unknown.pop("actor", {}))
    envelope.update(unknown)
    return Record("requests.events", 0, offset, b"REQ-1", json.dumps(envelope).encode(), headers)


def _count(service: str, event_type: str = "ServiceRequested") -> float:
    return REGISTRY.get_sample_value(COUNTER, {"service": service, "event_type": event_type}) or 0


@pytest.mark.parametrize("headers", [(), (("event_type", b"ServiceRequested"), ("schema_version", b"1"))],
                         ids=["without headers", "named in its headers"])
async def test_an_event_with_unknown_fields_in_envelope_and_payload_is_processed_and_counted(headers):
    seen = []

    async def on_requested(conn, event, ctx):
        seen.append((event, ctx.envelope))
        conn.applied.append(ctx.message.message_id)

    consumer = EventConsumer(name="tolerant-test.requests", topic="requests.events",
                             handlers={ServiceRequested: on_requested})
    consumer.runtime = runtime = _Runtime()
    before = _count("tolerant-test")
    await consumer.process([_record(1, headers, baggage="tenant=north", payload={"urgency": "high"},
                                    actor={"team": "north"}),
                            _record(2, headers)])
    assert runtime.dead == []
    assert len(seen) == 2 and len(runtime.pool.conn.applied) == 2
    event, envelope = seen[0]
    assert event.request_id == "REQ-1" and event.model_extra is None  # nothing unknown kept...
    published = json.loads(envelope.model_dump_json())  # ...nor written again by what follows from it
    assert "baggage" not in published and "urgency" not in published["payload"] and "team" not in published["actor"]
    assert _count("tolerant-test") == before + 3


async def test_a_batch_consumer_counts_what_its_handler_decodes():
    async def on_batch(conn, items, ctx):
        for item in items:
            assert ctx.decode(item).event.request_id == "REQ-1"

    consumer = EventBatchConsumer(name="tolerant-batch.requests", topic="requests.events", batch_handler=on_batch,
                                  batch_reads=frozenset({ServiceRequested}))
    consumer.runtime = _Runtime()
    consumer.runtime.service = "tolerant-batch"
    before = _count("tolerant-batch")
    await consumer.process([_record(1, payload={"urgency": "high"})])
    assert consumer.runtime.dead == [] and _count("tolerant-batch") == before + 1


def test_reading_names_unknown_fields_at_any_depth_and_keeps_none():
    data = {"provider_id": "PRV-1", "rate_card_id": "RC-1", "service_type": "home_care", "unit": "hour",
            "effective_from": "2026-12-01", "rates": [{"unit": "hour", "amount_pence": 2400, "band": "x"},
                                                      {"unit": "hour", "amount_pence": 2500, "band": "y"}],
            "published_by": "someone"}
    event, unknown = read(RateCardPublished.model_validate_json, json.dumps(data))
    assert unknown == ("published_by", "rates.band")
    assert event.rates[0] == Rate(unit="hour", amount_pence=2400) and "band" not in event.rates[1].model_dump()


def test_an_event_that_reads_cleanly_is_read_strictly_once():
    calls = []

    def validate(data, **options):
        calls.append(options)
        return RateCardPublished.model_validate(data, **options)

    data = {"provider_id": "PRV-1", "rate_card_id": "RC-1", "service_type": "home_care", "unit": "hour",
            "effective_from": "2026-12-01", "rates": [{"unit": "hour", "amount_pence": 2400}]}
    assert read(validate, data)[1] == () and calls == [{}]


def test_building_an_event_stays_strict():
    with pytest.raises(ValidationError) as refused:
        Rate(unit="hour", amount_pence=2400, time_bnd="night")  # a misspelt field fails where it is written
    assert unknown_fields(refused.value) == ("time_bnd",)


def test_each_new_unknown_field_is_logged_once_by_name(monkeypatch):
    lines = []
    monkeypatch.setattr(tolerance, "_LOGGED", set())
    monkeypatch.setattr(tolerance.log, "info", lambda message, **kw: lines.append(kw["fields"]))
    before = _count("tolerant-log", "VisitVerified")
    tolerance.note_unknown_fields("tolerant-log", "VisitVerified", ("payload.a", "payload.b"))
    tolerance.note_unknown_fields("tolerant-log", "VisitVerified", ("payload.a", "payload.c"))
    assert lines == [["payload.a", "payload.b"], ["payload.c"]]
    assert _count("tolerant-log", "VisitVerified") == before + 4
