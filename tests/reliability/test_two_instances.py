"""Two instances of delivery and of invoicing share their topics' partitions; when one is killed,
Kafka moves its partitions to the other, and the month comes out the same."""
from __future__ import annotations

import asyncio
import time

import pytest

from contracts.topics import TOPICS
from shared.stack import Instance, start, stop, wait_ready
from tests.reliability.conftest import assert_same, run_the_month
from tests.reliability.faults import environment_of, kill_and_restart
from tests.reliability.health import group_assignments, samples
from tests.reliability.results import paid_twice

pytestmark = pytest.mark.stack

SERVICES = ("delivery", "invoicing")
PARTITIONS = {t.name: t.partitions for t in TOPICS}


def client(service: str, n: int) -> str:
    return f"carepay-{service}-{n}"  # the Kafka client id of instance n (shared/service.py)


async def held(inst: Instance) -> dict[tuple[str, str], int]:
    """(consumer, topic) -> partitions the instance says it holds (carepay_consumer_assigned_partitions)."""
    return {(labels["consumer"], labels["topic"]): int(v)
            for labels, v in await samples(inst, "carepay_consumer_assigned_partitions")}


async def until(check, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while (found := await check()) is None:
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f}s waiting for {what}"
        await asyncio.sleep(1.0)
    return found


async def shared_by_both(service: str) -> dict | None:
    """Each consumer group of the service, once both instances hold some of its partitions: as
    each instance's metric says and as Kafka's group description says."""
    first, second = await held(Instance(service, 1)), await held(Instance(service, 2))
    if not first or set(first) != set(second) or not all(first.values()) or not all(second.values()):
        return None
    out = {}
    for consumer, topic in first:
        members = await group_assignments(consumer)
        mine = {n: members.get(client(service, n), set()) for n in (1, 2)}
        if not mine[1] or not mine[2]:
            return None
        out[consumer] = {n: sorted(p for _, p in parts) for n, parts in mine.items()}
    return out


async def moved_to_first(service: str, groups: list[str], topics: dict[str, str]) -> dict | None:
    """Each group once instance 2 has left it and instance 1 holds every partition of the topic."""
    out = {}
    for consumer in groups:
        members = await group_assignments(consumer)
        first = members.get(client(service, 1), set())
        if client(service, 2) in members or len(first) != PARTITIONS[topics[consumer]]:
            return None
        out[consumer] = sorted(p for _, p in first)
    return out


async def test_two_instances_share_partitions_and_a_killed_one_hands_them_over(baseline, today, restored):
    seconds, processed = {}, {}
    try:
        for service in SERVICES:  # instance 1 as the current code, so its client id names the instance
            await asyncio.to_thread(kill_and_restart, Instance(service))
            start(Instance(service, 2), extra_env=environment_of(Instance(service)))
        assert not await asyncio.to_thread(wait_ready, [Instance(s, 2) for s in SERVICES], 120)
        shared = {s: await until(lambda s=s: shared_by_both(s), f"both {s} instances to hold partitions")
                  for s in SERVICES}
        print(f"\npartitions held by instance 1 and instance 2: {shared}")
        topics = {c: t for s in SERVICES for (c, t) in (await held(Instance(s, 1)))}

        async def kill_second_instances(milestones, month):
            await milestones.reached("week 2: call monitoring", month)
            for service in SERVICES:
                processed[service] = sum(v for _, v in await samples(Instance(service, 2),
                                                                     "carepay_messages_processed_total"))
                stop(Instance(service, 2), kill=True)
            killed = time.monotonic()
            moved = {s: await until(lambda s=s: moved_to_first(s, list(shared[s]), topics),
                                    f"instance 2's partitions of {s} to move to instance 1") for s in SERVICES}
            seconds["handover"] = round(time.monotonic() - killed, 1)
            return moved

        outcome = await run_the_month(today, kill_second_instances)
        print(f"month {outcome.month.council.tag}: {outcome.seconds}s (undisturbed {baseline.seconds}s); after "
              f"SIGKILL of instance 2 (which had consumed {processed} messages), instance 1 held every "
              f"partition within {seconds['handover']}s: {outcome.injected}")
        assert all(processed.values()), f"an instance 2 consumed nothing before it was killed: {processed}"
        for service in SERVICES:
            assert all(n == PARTITIONS[t] for (c, t), n in (await held(Instance(service, 1))).items())
        assert_same(outcome, baseline)
        assert await paid_twice(outcome.month, today) == []
    finally:
        for service in SERVICES:
            stop(Instance(service, 2))
