"""A batch consumer of an event topic skips the events it does not read by their headers, before any
transaction: no inbox row, no handler call, and a batch of nothing it reads opens no transaction."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from contracts import delivery as contract
from shared.consumer import EventBatchConsumer
from shared.metrics import CONSUMED
from tests.unit.foundation.test_consumer_retries import FakeRuntime


def _record(offset: int, event_type: str | None, version: str = "1"):
    headers = [] if event_type is None else [("event_type", event_type.encode()), ("schema_version", version.encode())]
    return SimpleNamespace(topic="delivery.events", partition=0, offset=offset, key=b"a-1", value=b"{}",
                           headers=headers)


def _consumer(seen: list, claimed: list) -> EventBatchConsumer:
    async def handler(conn, items, ctx):
        seen.extend(item.offset for item in items)

    consumer = EventBatchConsumer(name="test.batch-reads", topic="delivery.events", batch_handler=handler,
                                  batch_reads=frozenset({contract.PeriodActualsConfirmed}))
    consumer.runtime = FakeRuntime()
    claim = consumer.runtime.pool.conn.fetch

    async def recording_claim(sql, name, ids):
        claimed.extend(ids)
        return await claim(sql, name, ids)

    consumer.runtime.pool.conn.fetch = recording_claim
    return consumer


async def test_the_events_it_does_not_read_never_reach_the_inbox_or_the_handler():
    seen, claimed = [], []
    consumer = _consumer(seen, claimed)
    await consumer.process([
        _record(1, "VisitVerified"),            # known, not read: skipped
        _record(2, "PeriodActualsConfirmed"),   # read
        _record(3, None),                       # no headers: the handler tells what it is
        _record(4, "NoSuchEvent"),              # unknown: the handler's decoder makes it poison
        _record(5, "PeriodActualsConfirmed", "99"),  # unknown version: likewise
        _record(6, "VisitMissed"),              # known, not read: skipped
    ])
    assert seen == [2, 3, 4, 5]
    assert claimed == [f"delivery.events:0:{n}" for n in (2, 3, 4, 5)]


async def test_a_batch_of_nothing_it_reads_opens_no_transaction_and_is_counted_as_consumed():
    seen, claimed = [], []
    consumer = _consumer(seen, claimed)
    counted = CONSUMED.labels("test", "test.batch-reads")
    before = counted._value.get()
    await consumer.process([_record(n, "VisitVerified") for n in range(10)])
    assert seen == [] and claimed == []
    assert counted._value.get() - before == 10
