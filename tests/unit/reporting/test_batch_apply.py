"""A reporting consumer hands its topic's `apply` the envelopes of the events it reads, in order; what it
does not read never reaches it, a malformed record is dead-lettered, and a replay decodes a record as
the live consumer does."""
from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date

from contracts.envelope import Actor
from contracts.requests import RequestCancelled, ServiceRequested
from shared.events import Cause, envelope_for
from shared.testing import Record
from services.reporting.handlers import CONSUMERS
from services.reporting.steps import apply_batch
from services.reporting.store import aggregates as store_aggregates




class FakeConnection:
    @asynccontextmanager
    async def transaction(self):
        yield

    async def fetch(self, _sql, _consumer, ids):  # the inbox claim: everything is new
        return [{"message_id": i} for i in ids]


class FakePool:
    @asynccontextmanager
    async def acquire(self):
        yield FakeConnection()


class FakeRuntime:
    service = "test"
    outbox = None

    def __init__(self):
        self.pool = FakePool()
        self.settings = type("Settings", (), {"consumer_max_attempts": 1})()
        self.dead: list = []

    async def wait_for_database(self):
        return None

    async def dead_letter(self, consumer, letters):
        self.dead.extend(letters)

    def transient_failure(self, consumer, kind, exc):
        raise AssertionError(f"no transient failure expected here: {exc!r}")

    def recovered(self, consumer):
        return None


def _record(offset: int, event, *, headers: bool = True) -> Record:
    cause = Cause("corr", None, Actor(id="u", role="person"))
    env = envelope_for(event, producer="requests", council_id="c", cause=cause)
    named = (("event_type", env.event_type.encode()), ("schema_version", str(env.schema_version).encode()))
    return Record("requests.events", 0, offset, event.request_id.encode(), env.model_dump_json().encode(),
                  named if headers else ())


def _requested(request_id: str) -> ServiceRequested:
    return ServiceRequested(request_id=request_id, person_ref="P1", requested_by="person",
                            requested_start=date(2026, 12, 1))


async def test_a_batch_reaches_apply_as_the_envelopes_it_reads_in_order(monkeypatch):
    applied: list = []

    async def apply(conn, envelopes, deltas):
        applied.extend(env.payload.request_id for env in envelopes)

    async def no_aggregates(conn, deltas):
        return 0

    monkeypatch.setattr(store_aggregates, "apply", no_aggregates)
    consumer = apply_batch.batch_consumer("test.reporting.batch", "requests.events", [ServiceRequested], apply,
                                          "test")
    consumer.runtime = FakeRuntime()
    cancelled = RequestCancelled(request_id="REQ-3", person_ref="P1", reason="x")
    await consumer.process([
        _record(1, _requested("REQ-1")),
        _record(2, cancelled),                      # named in its headers, not read: skipped
        _record(3, cancelled, headers=False),       # not named: decoded, not read
        Record("requests.events", 0, 4, b"REQ-4", b"{not json"),  # poison
        _record(5, _requested("REQ-5"), headers=False),
    ])
    assert applied == ["REQ-1", "REQ-5"]
    assert [(d.message.offset, d.reason) for d in consumer.runtime.dead] == [(4, "invalid_json")]


def test_a_replay_reads_a_record_as_the_live_consumer_does():
    [requests] = [c for c in CONSUMERS if c.name == "reporting.requests"]
    env = apply_batch.read(requests, _record(1, _requested("REQ-1")))
    assert env is not None and env.payload.request_id == "REQ-1" and env.correlation_id == "corr"
    cancelled = _record(2, RequestCancelled(request_id="REQ-1", person_ref="P1", reason="x"))
    assert apply_batch.read(requests, cancelled).payload.reason == "x"
    only_requested = apply_batch.batch_consumer("test.reporting.replay", "requests.events", [ServiceRequested],
                                                _apply_nothing, "test")
    assert apply_batch.read(only_requested, cancelled) is None


def test_every_consumer_has_its_applier_for_a_rebuild():
    assert all(apply_batch.applier_of(c).topic == c.topic for c in CONSUMERS)


async def _apply_nothing(conn, envelopes, deltas):
    return None
