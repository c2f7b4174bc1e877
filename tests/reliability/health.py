"""Whether the stack has settled after a month: every instance ready, every outbox drained
(`carepay_outbox_backlog` = 0), every consumer caught up (`carepay_consumer_lag` = 0), read from
each running instance's /metrics; and which partitions Kafka gave each member of a group."""
from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.settings import settings_for
from shared.stack import Instance, all_instances, ready, recorded_pid

LAG_EVERY_S = 10.0  # how often a service refreshes carepay_consumer_lag (shared/service.py)


def running_instances() -> list[Instance]:
    return [i for i in all_instances() if recorded_pid(i)]


async def samples(inst: Instance, name: str) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of every sample of metric `name` an instance serves now."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{inst.url}/metrics")).text
    return [(s.labels, s.value) for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == name]


async def unsettled(instances: list[Instance]) -> list[str]:
    """What is not yet settled: instances not ready, outbox rows unpublished, records unconsumed."""
    out = []
    for inst in instances:
        ok, reason = ready(inst)
        if not ok:
            out.append(f"{inst.label} not ready: {reason}")
            continue
        try:
            backlog, lag = await samples(inst, "carepay_outbox_backlog"), await samples(inst, "carepay_consumer_lag")
        except httpx.HTTPError as exc:
            out.append(f"{inst.label} metrics unreadable: {exc!r}")
            continue
        out += [f"{inst.label} outbox backlog {v:g}" for _, v in backlog if v]
        out += [f"{inst.label} {labels['consumer']} lag {v:g} on {labels['topic']}/{labels['partition']}"
                for labels, v in lag if v]
    return out


async def wait_settled(instances: list[Instance] | None = None, *, timeout: float = 240.0) -> float:
    """Wait until nothing is unsettled on every running instance for longer than the lag metric's
    refresh period (so a zero seen is not one observed before the last events); return the seconds
    it took. Raises AssertionError naming what never settled."""
    started = time.monotonic()
    clean_since: float | None = None
    last: list[str] = []
    reported = started
    while time.monotonic() - started < timeout:
        last = await unsettled(instances or running_instances())
        now = time.monotonic()
        if last and now - reported > 30:
            reported = now
            print(f"[settling {now - started:.0f}s] {last[:8]}")
        if last:
            clean_since = None
        elif clean_since is None:
            clean_since = now
        elif now - clean_since > LAG_EVERY_S + 2:
            return now - started
        await asyncio.sleep(1.0)
    raise AssertionError(f"the stack did not settle within {timeout:.0f}s: {last[:20]}")


async def group_assignments(group: str) -> dict[str, set[tuple[str, int]]]:
    """Kafka's description of a consumer group: member client id -> partitions assigned to it."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

    admin = AIOKafkaAdminClient(bootstrap_servers=settings_for("requests").kafka_bootstrap_servers,
                                client_id="carepay-reliability-tests")
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    out: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for g in response.groups:
        members = g[5] if isinstance(g, tuple) else g.members
        for m in members:
            client_id, assignment = m[1], m[4]
            out[client_id] |= ({(tp.topic, tp.partition) for tp in
                                ConsumerProtocolMemberAssignment.decode(assignment).partitions()}
                               if assignment else set())
    return dict(out)
