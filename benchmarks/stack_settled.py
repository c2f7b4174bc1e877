"""Whether the stack has finished what it was given: every service's consumer group has read all of
its topics and every outbox is drained. A benchmark starts on a settled stack, so it measures its own
work and not what an earlier step left the services digesting (a payment run's 50,000 InvoicePaid in
reporting, a county's agreements in invoicing)."""
from __future__ import annotations

import asyncio
import time

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from contracts.topics import SERVICES


async def behind(admin: AIOKafkaAdminClient, probe: AIOKafkaConsumer, conn: asyncpg.Connection) -> int:
    """Records the services' consumers have not read yet, plus events their outboxes have not published."""
    unread = 0
    for group, *_ in await admin.list_consumer_groups():
        if group.split(".")[0] not in SERVICES:
            continue
        offsets = await admin.list_consumer_group_offsets(group)
        ends = await probe.end_offsets(list(offsets)) if offsets else {}
        unread += sum(max(ends[tp] - meta.offset, 0) for tp, meta in offsets.items() if meta.offset >= 0)
    counts = " + ".join(f"(SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL)" for schema in SERVICES)
    unpublished = await conn.fetchval(f"SELECT {counts}")
    return unread + unpublished


async def settled(admin: AIOKafkaAdminClient, probe: AIOKafkaConsumer, conn: asyncpg.Connection,
                  timeout: float = 600) -> float:
    """Seconds until nothing is `behind` (polled twice a second); exits the benchmark after `timeout`."""
    t0 = time.perf_counter()
    while (left := await behind(admin, probe, conn)) > 0:
        if time.perf_counter() - t0 > timeout:
            raise SystemExit(f"the stack was still {left:,} records or events behind after {timeout:.0f} s")
        await asyncio.sleep(0.5)
    return time.perf_counter() - t0


async def wait_settled(kafka: str, database_url: str, timeout: float = 600) -> float:
    """`settled` with connections of its own."""
    admin, probe = AIOKafkaAdminClient(bootstrap_servers=kafka), AIOKafkaConsumer(bootstrap_servers=kafka)
    conn = await asyncpg.connect(database_url)
    await admin.start()
    await probe.start()
    try:
        return await settled(admin, probe, conn, timeout)
    finally:
        await probe.stop()
        await admin.close()
        await conn.close()
