"""A raw topic's inbox keeps a mark per partition: records at or below it are applied already, a
redelivered batch changes nothing, and an instance finishing a partition beside its new owner waits and
then finds the records applied. Against Postgres alone (a fresh copy of the delivery schema's inbox_offsets)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from shared.inbox import claim_offsets
from shared.testing import DatabaseOnly
from tests.conftest import unique

pytestmark = pytest.mark.db


@dataclass(frozen=True)
class Rec:
    topic: str
    partition: int
    offset: int


@pytest.fixture
async def pool():
    async with DatabaseOnly("delivery") as db:
        yield db.pool


async def _claim(pool, consumer: str, items: list[Rec]) -> list[tuple[int, int]]:
    async with pool.acquire() as conn, conn.transaction():
        return [(i.partition, i.offset) for i in await claim_offsets(conn, consumer, items)]


async def test_records_at_or_below_a_partitions_mark_are_not_applied_again(pool):
    consumer = unique("test-consumer")
    batch = [Rec("ecm.visits", 0, o) for o in range(5)] + [Rec("ecm.visits", 1, o) for o in range(3)]
    assert await _claim(pool, consumer, batch) == [(i.partition, i.offset) for i in batch]
    assert await _claim(pool, consumer, batch) == []  # redelivered whole: nothing new
    later = [Rec("ecm.visits", 0, o) for o in range(3, 8)] + [Rec("ecm.visits", 1, 2), Rec("ecm.visits", 2, 0)]
    assert await _claim(pool, consumer, later) == [(0, 5), (0, 6), (0, 7), (2, 0)]
    assert await _claim(pool, unique("test-other"), batch[:1]) == [(0, 0)]  # marks are per consumer


async def test_a_batch_that_rolls_back_leaves_the_mark_where_it_was(pool):
    consumer = unique("test-consumer")
    await _claim(pool, consumer, [Rec("ecm.visits", 0, 0)])
    with pytest.raises(RuntimeError):
        async with pool.acquire() as conn, conn.transaction():
            await claim_offsets(conn, consumer, [Rec("ecm.visits", 0, o) for o in range(1, 4)])
            raise RuntimeError("the batch's effect failed")
    assert await _claim(pool, consumer, [Rec("ecm.visits", 0, o) for o in range(4)]) == [(0, 1), (0, 2), (0, 3)]


async def test_an_instance_finishing_a_partition_beside_its_new_owner_waits_and_applies_nothing_twice(pool):
    consumer = unique("test-consumer")
    await _claim(pool, consumer, [Rec("ecm.visits", 0, 0)])
    batch = [Rec("ecm.visits", 0, o) for o in range(1, 6)]
    async with pool.acquire() as conn_old:
        tx = conn_old.transaction()
        await tx.start()
        assert len(await claim_offsets(conn_old, consumer, batch)) == 5  # the old owner, not yet committed
        new_owner = asyncio.create_task(_claim(pool, consumer, batch))
        await asyncio.sleep(0.5)
        assert not new_owner.done(), "the new owner did not wait for the mark"
        await tx.commit()
    assert await asyncio.wait_for(new_owner, timeout=10) == []
