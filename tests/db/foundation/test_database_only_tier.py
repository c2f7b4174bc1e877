"""The database-only tier runs a consumer as the service would, against Postgres alone: its decoding,
inbox, one transaction per batch, typed handlers given their context, outbox and dead letters."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.requests import RequestCancelled, ServiceRequested
from shared.consumer import Context, EventConsumer
from shared.testing import DatabaseOnly

pytestmark = pytest.mark.db


def _requested(ref: str = "REQ-1") -> ServiceRequested:
    return ServiceRequested(request_id=ref, person_ref="P1", requested_by="person", requested_start=date(2026, 12, 1))


async def _cancel_what_was_requested(conn, event: ServiceRequested, ctx: Context) -> None:
    """A handler of the shape every service's handlers have: typed event, context with the outbox."""
    await ctx.publish(conn, [RequestCancelled(request_id=event.request_id, person_ref=event.person_ref,
                                              reason="test")])


CANCELLER = EventConsumer(name="test.canceller", topic="requests.events",
                          handlers={ServiceRequested: _cancel_what_was_requested})


async def test_a_handled_event_records_what_follows_in_the_outbox_caused_by_it():
    async with DatabaseOnly("requests") as db:
        [sent] = await db.send(CANCELLER, _requested())
        [out] = await db.published()
        assert out.event_type == "RequestCancelled"
        assert out.payload["request_id"] == "REQ-1"
        assert out.causation_id == str(sent.event_id)
        assert out.correlation_id == sent.correlation_id
        assert CANCELLER.runtime is None  # the service's own consumer table is left as it was


async def test_the_same_event_delivered_twice_is_applied_once():
    async with DatabaseOnly("requests") as db:
        envelope = db.envelope(_requested())
        await db.send(CANCELLER, envelope)
        await db.send(CANCELLER, envelope)
        assert len(await db.published()) == 1
        assert await db.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'test.canceller'") == 1


async def test_poison_is_dead_lettered_with_its_reason_and_the_rest_of_the_batch_applied():
    async with DatabaseOnly("requests") as db:
        bad = db.raw("requests.events", b"{not json", key=b"REQ-X")
        good = db.record("requests.events", db.envelope(_requested("REQ-2")))
        await db.process(CANCELLER, [bad, good])
        assert [(d.reason, d.message.offset) for d in db.dead] == [("invalid_json", 0)]
        assert [e.payload["request_id"] for e in await db.published()] == ["REQ-2"]


async def test_each_run_has_its_own_schema_and_leaves_nothing_behind():
    async with DatabaseOnly("requests") as first, DatabaseOnly("requests") as second:
        await first.send(CANCELLER, _requested())
        assert len(await first.published()) == 1
        assert await second.published() == []
        schema = first.schema
    async with DatabaseOnly("requests") as third:
        assert await third.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema) == 0
