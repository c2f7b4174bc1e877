"""The outbox relay hands rows to Kafka as partition batches it fills itself (shared/outbox.py): each row
lands once, on the partition `producer.send` would have chosen, in id order within its partition."""
from __future__ import annotations

import asyncio
import time

from aiokafka.partitioner import DefaultPartitioner

from shared.outbox import OutboxRelay, time_ordered_ids


class Batch:
    def __init__(self, room: int) -> None:
        self.room, self.messages = room, []

    def append(self, *, key, value, timestamp, headers):
        if self.messages and len(self.messages) >= self.room:
            return None  # full (a batch always takes its first message)
        self.messages.append((key, value, headers))
        return object()


class Producer:
    """Records what was sent where; each batch holds `room` messages."""

    def __init__(self, room: int = 3) -> None:
        self.room, self.sent = room, []

    async def partitions_for(self, topic):
        return {5, 0, 3, 1, 4, 2}

    def create_batch(self):
        return Batch(self.room)

    async def send_batch(self, batch, topic, *, partition):
        self.sent.append((topic, partition, batch.messages))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def rows(n: int) -> list[dict]:
    return [{"id": i, "topic": "delivery.events", "key": f"AGR-{i % 7}", "value": f"event {i}".encode(),
             "headers": {"event_id": f"e{i}"}} for i in range(n)]


def test_every_row_goes_once_to_the_partition_send_would_choose_in_id_order():
    producer = Producer(room=3)
    relay = OutboxRelay(pool=None, producer=producer, service="delivery", schema="delivery")
    asyncio.run(relay._send(rows(40)))
    by_partition: dict[int, list[bytes]] = {}
    for topic, partition, messages in producer.sent:
        assert topic == "delivery.events" and len(messages) <= 3
        for key, value, headers in messages:
            assert partition == DefaultPartitioner()(key, list(range(6)), list(range(6)))
            assert headers == [("event_id", b"e" + value.split()[1])]
            by_partition.setdefault(partition, []).append(value)
    sent = [v for values in by_partition.values() for v in values]
    assert sorted(sent) == sorted(r["value"] for r in rows(40))
    for values in by_partition.values():
        assert values == sorted(values, key=lambda v: int(v.split()[1]))


class Listener:
    async def add_listener(self, channel, callback):
        pass

    def is_closed(self) -> bool:
        return False


class Pool:
    async def acquire(self):
        return Listener()

    async def release(self, conn):
        pass


def _run_for(relay: OutboxRelay, seconds: float) -> None:
    async def run_briefly() -> None:
        task = asyncio.create_task(relay.run())
        await asyncio.sleep(seconds)
        task.cancel()

    asyncio.run(run_briefly())


def test_rows_committed_while_a_batch_is_published_go_out_without_waiting_for_the_poll():
    relay = OutboxRelay(pool=Pool(), producer=Producer(), service="delivery", schema="delivery")
    rounds: list[float] = []

    async def publish_batch() -> int:
        rounds.append(asyncio.get_running_loop().time())
        if len(rounds) == 1:
            relay._notified()  # another transaction commits (NOTIFY) while this batch is out
        return 1

    async def nothing() -> None:
        pass

    relay.publish_batch, relay._observe_backlog = publish_batch, nothing
    _run_for(relay, 0.3)
    assert len(rounds) >= 2 and rounds[1] - rounds[0] < 0.2  # not the 1 s poll


def test_the_backlog_is_read_when_the_relay_goes_idle_and_at_most_once_a_second_while_it_trickles():
    relay = OutboxRelay(pool=Pool(), producer=Producer(), service="delivery", schema="delivery")
    published = iter([1] * 8)  # eight small batches in a row, then nothing left
    log: list[str] = []

    async def publish_batch() -> int:
        relay._notified()  # more committed at once: no waiting between rounds
        n = next(published, 0)
        log.append(f"published {n}")
        return n

    async def observe() -> None:
        relay._last_observed = time.monotonic()
        log.append("read")

    relay.publish_batch, relay._observe_backlog = publish_batch, observe
    _run_for(relay, 0.2)
    # read after the first small batch (never read before), not again within the second, then as soon as idle
    assert log[:11] == ["published 1", "read"] + ["published 1"] * 7 + ["published 0", "read"]


def test_event_ids_of_the_stream_are_time_ordered_uuid7_and_unique():
    first = time_ordered_ids(1000)
    time.sleep(0.002)
    later = time_ordered_ids(1)
    assert {i.version for i in first} == {7} and len(set(first)) == 1000
    assert max(first).bytes[:6] < later[0].bytes[:6]  # a later batch sorts after (millisecond first)
