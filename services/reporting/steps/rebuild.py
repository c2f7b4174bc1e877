"""Rebuild the read models: replay every business topic from its start into a fresh schema.

Why a fresh schema: the live service keeps serving and consuming from `reporting` while the
rebuild runs, and nothing it has is touched until an operator swaps the schemas. The replay runs
the live consumers' own code (same names, same inbox ids `topic:partition:offset`) against the new
schema, topic after topic; the figures do not depend on the order topics are read in.

Swap (reporting stopped): replay what arrived since the rebuild, to the current end of each topic;
then, in one transaction, rename `reporting` to `reporting_replaced_<time>` and the rebuilt schema
to `reporting`. On start, the live consumer groups resume from their committed offsets, which are
at or before the ends replayed: everything between is already in the rebuilt inbox and is skipped.

It creates, drops and renames schemas: run it as the migrator role (README, "Database roles"); the rebuilt
schema grants CAREPAY_DATABASE_RUNTIME_ROLE its use as `carepay migrate` does, so the swap keeps it.
"""
from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared import inbox
from shared.consumer import BaseConsumer
from shared.records import Poison
from shared.db import create_pool
from shared.kafka_io import partitions_of
from shared.kafka_security import KafkaSettings, client_options, kafka_settings
from shared.migrations import migrate
from shared.settings import settings_for
from services.reporting.handlers import CONSUMERS
from services.reporting.steps.apply_batch import applier_of, read

LIVE = "reporting"
SERVICE_DIR = Path(__file__).resolve().parents[1]  # services/reporting: its migrations
_OURS = re.compile(r"^reporting_(rebuild|replaced)[a-z0-9_]*$")


def check_schema(name: str) -> str:
    """Only schemas the rebuild made may be written or dropped: never the live one."""
    if not _OURS.match(name):
        raise ValueError(f"schema {name!r} is not a rebuild schema: use reporting_rebuild[_suffix] "
                         "(lower case letters, digits, underscores)")
    return name


@dataclass
class Replayed:
    events: dict[str, int] = field(default_factory=dict)  # topic -> records read
    dead_letters: int = 0
    seconds: float = 0.0


async def _positions(conn: asyncpg.Connection) -> dict[TopicPartition, int]:
    await conn.execute("CREATE TABLE IF NOT EXISTS rebuild_position (topic text, partition int, next_offset bigint,"
                       " PRIMARY KEY (topic, partition))")
    return {TopicPartition(r["topic"], r["partition"]): r["next_offset"]
            for r in await conn.fetch("SELECT topic, partition, next_offset FROM rebuild_position")}


async def replay(pool: asyncpg.Pool, kafka: KafkaSettings, consumers: Sequence[BaseConsumer] = CONSUMERS,
                 batch: int = 2000) -> Replayed:
    """Read each consumer's topic from where the last replay into this schema stopped (or the start) to
    its end at the cut, through that consumer's code; record where it stopped."""
    result, started = Replayed(), time.perf_counter()
    async with pool.acquire() as conn:
        done = await _positions(conn)
    # earliest: a partition whose position is not yet resolved must never start at its end.
    reader = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False, group_id=None,
                              auto_offset_reset="earliest")
    await reader.start()
    try:
        topics = {c.topic: await partitions_of(reader, c.topic) for c in consumers}
        # One cut across every topic, taken before anything is read: the rebuild is the state at that instant.
        ends = await reader.end_offsets([tp for parts in topics.values() for tp in parts])
        for consumer in consumers:
            parts = topics[consumer.topic]
            reader.assign(parts)
            for tp in parts:
                reader.seek(tp, done.get(tp, 0))
            count = 0
            while [tp for tp in parts if await reader.position(tp) < ends[tp]]:
                fetched = await reader.getmany(*parts, timeout_ms=1000, max_records=batch)
                # Stop each partition at the cut: what comes later is the live service's.
                records = [r for recs in fetched.values() for r in recs
                           if r.offset < ends[TopicPartition(r.topic, r.partition)]]
                count += len(records)
                result.dead_letters += await _apply(pool, consumer, records)
            result.events[consumer.topic] = count
            async with pool.acquire() as conn:
                await conn.executemany(
                    "INSERT INTO rebuild_position (topic, partition, next_offset) VALUES ($1, $2, $3)"
                    " ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset",
                    [(tp.topic, tp.partition, ends[tp]) for tp in parts])
    finally:
        await reader.stop()
    result.seconds = time.perf_counter() - started
    return result


async def _apply(pool: asyncpg.Pool, consumer: BaseConsumer, records: list) -> int:
    """What the live consumer does with a batch (inbox claims by topic:partition:offset, then the same
    apply), except that poison is counted, not dead-lettered again: the live service did that.
    Returns the number of poison records."""
    applier = applier_of(consumer)
    readable, poison = [], 0
    for r in records:
        try:
            readable.append((f"{r.topic}:{r.partition}:{r.offset}", read(consumer, r)))
        except Poison:
            poison += 1
    async with pool.acquire() as conn, conn.transaction():
        fresh = await inbox.claim(conn, consumer.name, [message_id for message_id, _ in readable])
        await applier(conn, [env for message_id, env in readable if message_id in fresh and env is not None])
    return poison


async def rebuild(schema: str, *, fresh: bool = True) -> Replayed:
    """Replay every topic into `schema` (dropped and made again first unless `fresh` is False)."""
    check_schema(schema)
    settings = settings_for(LIVE)
    conn = await asyncpg.connect(settings.database_url)
    try:
        if fresh:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await migrate(conn, schema, SERVICE_DIR, runtime_role=settings.runtime_role)  # kept by the swap
    finally:
        await conn.close()
    pool = await create_pool(settings.database_url, schema, service="reporting-rebuild", max_size=2)
    try:
        return await replay(pool, kafka_settings())
    finally:
        await pool.close()


async def swap(schema: str) -> tuple[Replayed, str]:
    """Catch `schema` up with the topics and make it the live schema; return the replaced schema's new name."""
    caught_up = await rebuild(schema, fresh=False)
    replaced = f"reporting_replaced_{time.strftime('%Y%m%d%H%M%S')}"
    conn = await asyncpg.connect(settings_for(LIVE).database_url)
    try:
        async with conn.transaction():
            await conn.execute(f'DROP TABLE IF EXISTS "{schema}".rebuild_position')
            await conn.execute(f'ALTER SCHEMA "{LIVE}" RENAME TO "{replaced}"')
            await conn.execute(f'ALTER SCHEMA "{schema}" RENAME TO "{LIVE}"')
    finally:
        await conn.close()
    return caught_up, replaced


async def drop(schema: str) -> None:
    check_schema(schema)
    conn = await asyncpg.connect(settings_for(LIVE).database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
