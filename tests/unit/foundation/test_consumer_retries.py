"""A batch whose handler fails is never acknowledged as done: the culprit is isolated and
dead-lettered, and the other messages of the batch are applied."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
import pytest

from shared.consumer import EventBatchConsumer, RawBatchConsumer
from shared.records import Incoming


class FakeTransaction:
    def __init__(self, conn):
        self.conn = conn

    async def __aenter__(self):
        self.conn.pending = []

    async def __aexit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.committed.extend(self.conn.pending)
        return False


@dataclass
class FakeConnection:
    committed: list = field(default_factory=list)
    pending: list = field(default_factory=list)

    def transaction(self):
        return FakeTransaction(self)

    async def fetch(self, _sql, _consumer, ids):  # the inbox claim: everything is new
        return [{"message_id": i} for i in ids]


class FakePool:
    def __init__(self):
        self.conn = FakeConnection()

    @asynccontextmanager
    async def acquire(self):
        yield self.conn


@dataclass
class FakeSettings:
    consumer_max_attempts: int = 2


class FakeRuntime:
    service = "test"

    def __init__(self):
        self.pool = FakePool()
        self.settings = FakeSettings()
        self.dead: list = []
        self.outbox = None
        self.transient: list = []
        self.recoveries: list = []

    async def wait_for_database(self):
        return None

    async def dead_letter(self, consumer, letters):
        self.dead.extend(letters)

    def transient_failure(self, consumer, kind, exc):
        self.transient.append((consumer, kind, type(exc).__name__))

    def recovered(self, consumer):
        self.recoveries.append(consumer)


def _item(n: int) -> Incoming:
    return Incoming("t", 0, n, "k", b"x", {}, message_id=f"m{n}")


async def test_a_failing_message_is_dead_lettered_and_the_rest_of_its_batch_applied(monkeypatch):
    async def effect(conn, items, ctx):
        for item in items:
            if item.offset == 2:
                raise RuntimeError("cannot apply message 2")
            conn.pending.append(item.message_id)

    consumer = EventBatchConsumer(name="test.retries", topic="t", batch_handler=effect, batch_reads=frozenset())
    consumer.runtime = FakeRuntime()
    monkeypatch.setattr("shared.consumer.asyncio.sleep", _no_sleep)
    dead = await consumer._apply_with_retries([_item(1), _item(2), _item(3)])
    assert [d.message.message_id for d in dead] == ["m2"]
    assert "cannot apply message 2" in dead[0].error
    assert consumer.runtime.pool.conn.committed == ["m1", "m3"]


async def _no_sleep(_seconds):
    return None


async def test_poison_a_batch_handler_finds_is_dead_lettered_with_its_own_reason(monkeypatch):
    from shared.records import Poison

    async def effect(conn, items, ctx):
        for item in items:
            if item.offset == 2:
                raise Poison("invalid_json", "message 2 is not JSON")
            conn.pending.append(item.message_id)

    consumer = EventBatchConsumer(name="test.poison", topic="t", batch_handler=effect, batch_reads=frozenset())
    consumer.runtime = FakeRuntime()
    monkeypatch.setattr("shared.consumer.asyncio.sleep", _no_sleep)
    dead = await consumer._apply_with_retries([_item(1), _item(2), _item(3)])
    assert [(d.message.message_id, d.reason, d.error) for d in dead] == [("m2", "invalid_json", "message 2 is not JSON")]
    assert consumer.runtime.pool.conn.committed == ["m1", "m3"]


async def test_with_offset_marks_a_failed_record_is_dead_lettered_before_the_next_one_commits(monkeypatch):
    """The next record's commit moves the partition's mark past the failed one: were the dead letter sent
    only after the batch, a crash in between would lose it (neither applied nor dead-lettered)."""
    async def claim_offsets(conn, _consumer, items):
        return list(items)

    async def effect(conn, items, ctx):
        for item in items:
            if item.offset == 2:
                raise RuntimeError("cannot apply record 2")
            conn.pending.append((item.message_id, [d.message.message_id for d in consumer.runtime.dead]))

    consumer = RawBatchConsumer(name="test.marks", topic="t", batch_handler=effect)
    consumer.runtime = FakeRuntime()
    monkeypatch.setattr("shared.consumer.asyncio.sleep", _no_sleep)
    monkeypatch.setattr("shared.consumer.inbox.claim_offsets", claim_offsets)
    returned = await consumer._apply_with_retries([_item(1), _item(2), _item(3)])
    assert returned == []  # already out
    assert [d.message.message_id for d in consumer.runtime.dead] == ["m2"]
    # m3 committed only once m2 was on the DLQ
    assert consumer.runtime.pool.conn.committed == [("m1", []), ("m3", ["m2"])]


@pytest.mark.parametrize("transient", [
    asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
    asyncpg.exceptions.SerializationError("could not serialize access due to concurrent update"),
    asyncpg.exceptions.LockNotAvailableError("canceling statement due to lock timeout"),
    asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    TimeoutError(),
    OSError(104, "Connection reset by peer"),
])
async def test_a_transient_failure_is_retried_past_the_attempt_limit_never_dead_lettered(monkeypatch, transient):
    """Deadlocks, serialisation failures, lock and statement timeouts and a lost database are not the
    message's fault: the batch is tried again, in order, however often (here 5 times, past the limit of
    2 attempts), and is then applied once; the runtime hears of each failure and of the recovery."""
    failures = [transient] * 5
    applied: list = []

    async def effect(conn, items, ctx):
        if failures:
            raise failures.pop()
        applied.extend(item.message_id for item in items)

    consumer = EventBatchConsumer(name="test.transient", topic="t", batch_handler=effect, batch_reads=frozenset())
    consumer.runtime = FakeRuntime()
    monkeypatch.setattr("shared.consumer.asyncio.sleep", _no_sleep)
    dead = await consumer._apply_with_retries([_item(1), _item(2)])
    assert dead == [] and consumer.runtime.dead == []
    assert applied == ["m1", "m2"]
    assert [t[0] for t in consumer.runtime.transient] == ["test.transient"] * 5
    assert consumer.runtime.recoveries == ["test.transient"]


def test_the_one_classification_of_failures():
    from shared.db import transient_kind

    assert transient_kind(asyncpg.exceptions.DeadlockDetectedError("x")) == "contention"
    assert transient_kind(asyncpg.exceptions.QueryCanceledError("x")) == "contention"
    assert transient_kind(asyncpg.exceptions.AdminShutdownError("x")) == "database_unavailable"
    assert transient_kind(TimeoutError()) == "database_unavailable"
    assert transient_kind(asyncpg.exceptions.UniqueViolationError("x")) is None
    assert transient_kind(asyncpg.exceptions.UndefinedColumnError("x")) is None
    assert transient_kind(ValueError("x")) is None


async def test_failures_that_last_turn_readiness_red_with_the_reason_and_a_success_clears_it(monkeypatch):
    from pathlib import Path

    from shared.service import ServiceRuntime
    from shared.settings import settings_for

    runtime = ServiceRuntime(settings_for("queries"), Path("services/queries"), [], {})
    clock = [1000.0]
    monkeypatch.setattr("shared.service.time.monotonic", lambda: clock[0])
    runtime.transient_failure("queries.delivery", "contention", asyncpg.exceptions.DeadlockDetectedError("x"))
    assert runtime._lasting_failure() is None  # a moment's contention is not worth a red light
    clock[0] += runtime.settings.transient_not_ready_after_s
    reason = runtime._lasting_failure()
    assert reason is not None and "queries.delivery" in reason and "DeadlockDetectedError" in reason
    assert "deadlock detected" not in reason  # the error's type, never its text
    runtime.recovered("queries.delivery")
    assert runtime._lasting_failure() is None
