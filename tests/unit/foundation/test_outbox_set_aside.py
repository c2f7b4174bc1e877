"""A row Kafka refuses for itself is set aside, and the rest of the outbox goes on (shared/outbox.py):
with a fake producer that refuses one record the way the broker does, a whole partition batch at a time."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError

from shared.outbox import OutboxRelay

TOO_BIG = b"TOO BIG"


class Batch:
    def __init__(self, room: int) -> None:
        self.room, self.messages = room, []

    def append(self, *, key, value, timestamp, headers):
        if self.messages and len(self.messages) >= self.room:
            return None
        self.messages.append((key, value))
        return object()


class Producer:
    """Refuses any batch holding a record that starts with TOO_BIG (as the broker does: the whole batch);
    fails every batch with `failure` when it is set."""

    def __init__(self, room: int = 3, failure: Exception | None = None) -> None:
        self.room, self.failure, self.taken, self.refused = room, failure, [], 0

    async def partitions_for(self, topic):
        return {0, 1, 2}

    def create_batch(self):
        return Batch(self.room)

    async def send_batch(self, batch, topic, *, partition):
        future = asyncio.get_running_loop().create_future()
        if self.failure is not None:
            future.set_exception(self.failure)
        elif any(value.startswith(TOO_BIG) for _, value in batch.messages):
            self.refused += 1
            future.set_exception(MessageSizeTooLargeError())
        else:
            self.taken.extend(value for _, value in batch.messages)
            future.set_result(None)
        return future


class Conn:
    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.published, self.set_aside = rows, [], []

    @asynccontextmanager
    async def transaction(self):
        yield

    async def fetchval(self, sql, *args):
        return True  # the relay's leader lock

    async def fetch(self, sql, *args):
        assert "set_aside_at IS NULL" in sql  # what was set aside is never read again
        return self.rows

    async def execute(self, sql, ids):
        assert sql.startswith("UPDATE outbox SET published_at")
        self.published.extend(ids)

    async def executemany(self, sql, args):
        assert sql.startswith("UPDATE outbox SET set_aside_at")
        self.set_aside.extend(args)


class Pool:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    @asynccontextmanager
    async def acquire(self):
        yield self.conn


def outbox_rows(n: int, refused: set[int] = frozenset(), big: set[int] = frozenset()) -> list[dict]:
    def value(i: int) -> bytes:
        if i in big:
            return b"x" * 5000
        return (TOO_BIG if i in refused else b"") + f"event {i}".encode()
    return [{"id": i, "topic": "payments.events", "key": f"AGR-{i % 4}", "event_type": "PaymentMade",
             "value": value(i), "headers": {"event_id": f"e{i}"}} for i in range(n)]


def relay_for(rows: list[dict], producer: Producer, **kwargs) -> tuple[OutboxRelay, Conn, list[int]]:
    conn = Conn(rows)
    renewed: list[int] = []

    async def renew():
        renewed.append(1)
        return producer

    return OutboxRelay(Pool(conn), producer, service="payments", schema="payments", renew_producer=renew,
                       **kwargs), conn, renewed


def test_a_row_kafka_refuses_is_set_aside_and_every_other_row_is_sent_and_marked_published():
    rows = outbox_rows(20, refused={7})
    producer = Producer(room=3)
    relay, conn, renewed = relay_for(rows, producer)
    assert asyncio.run(relay.publish_batch()) == 20
    assert [(i, error.split(":")[0]) for i, error in conn.set_aside] == [(7, "MessageSizeTooLargeError")]
    assert sorted(conn.published) == [i for i in range(20) if i != 7]
    assert sorted(producer.taken, key=lambda v: int(v.split()[1])) == [r["value"] for r in rows if r["id"] != 7]
    # Later events of the refused row's key (AGR-3: 11, 15, 19) went out: the stream keeps flowing.
    assert {b"event 11", b"event 15", b"event 19"} <= set(producer.taken)
    assert renewed  # after a refusal the producer's sequence numbers are off: a new one


def test_the_refused_rows_batch_partners_go_out_once_each_and_every_key_in_id_order():
    rows = outbox_rows(12, refused={4, 8})  # AGR-0: rows 0, 4, 8, on one partition
    producer = Producer(room=3)
    relay, conn, _ = relay_for(rows, producer)
    asyncio.run(relay.publish_batch())
    assert sorted(i for i, _ in conn.set_aside) == [4, 8]
    assert sorted(conn.published) == [i for i in range(12) if i not in (4, 8)]
    ids = [int(v.split()[1]) for v in producer.taken]
    assert sorted(ids) == sorted(conn.published)  # once each
    for key in range(4):
        of_key = [i for i in ids if i % 4 == key]
        assert of_key == sorted(of_key)


def test_a_row_over_the_size_kafka_takes_is_set_aside_without_being_sent():
    rows = outbox_rows(6, big={2})
    producer = Producer(room=3)
    relay, conn, _ = relay_for(rows, producer, max_record_bytes=4096)
    asyncio.run(relay.publish_batch())
    assert [i for i, _ in conn.set_aside] == [2]
    assert conn.set_aside[0][1].startswith("MessageSizeTooLargeError: the record is ")
    assert producer.refused == 0 and b"x" * 5000 not in producer.taken
    assert sorted(conn.published) == [0, 1, 3, 4, 5]


def test_kafka_being_away_is_retried_not_set_aside():
    rows = outbox_rows(5)
    relay, conn, _ = relay_for(rows, Producer(failure=KafkaConnectionError("broker away")))
    with pytest.raises(KafkaConnectionError):
        asyncio.run(relay.publish_batch())
    assert conn.set_aside == [] and conn.published == []
