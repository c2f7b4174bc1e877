"""The SLA clock: every minute, announce each deadline that has passed (QuerySlaBreached, once each).

Runs on every instance; a pass takes a transaction-scoped advisory lock, so one instance flags at a
time and a crash part-way loses nothing (the next pass finds what is still due). Only queries whose
`next_breach_check` has come are read, so a pass costs nothing when nothing is due. Each instance
also recounts open queries by category and age band for its gauge (read only, no lock).
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import asyncpg

from contracts.envelope import Actor
from services.queries import metrics, store_queries
from services.queries.config import config
from services.queries.domain_effects import flag_breaches
from shared.clock import utcnow
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox

log = get_logger(__name__)
LOCK = "queries:sla-breaches"
BATCH = 500
CLOCK = Actor(id="system:queries-sla", role="system")


async def flag_due_breaches(pool: asyncpg.Pool, outbox: Outbox, now: datetime) -> int:
    """Announce every breach due by `now`, a batch per transaction; how many were announced
    (0 when another instance holds the lock)."""
    announced = 0
    while True:
        flagged = []
        async with pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))", LOCK):
                return announced
            due = await store_queries.due_for_breach_check(conn, now, BATCH)
            cause = Cause(str(uuid.uuid4()), None, CLOCK)
            for query in due:
                step = flag_breaches(query, now)
                await store_queries.save(conn, step.query)
                await outbox.publish(conn, step.events, cause)
                flagged.append(step)
        for step in flagged:  # counted once committed
            metrics.observe(step.query, step.events)
            announced += len(step.events)
        if len(due) < BATCH:
            return announced


async def sla_watch(runtime) -> None:
    """Background work of the queries service (see shared.service.create_service)."""
    every = config().sla_every_s
    while True:
        try:
            now = utcnow()
            announced = await flag_due_breaches(runtime.pool, runtime.outbox, now)
            if announced:
                log.info("SLA breaches announced", breaches=announced)
            async with runtime.pool.acquire() as conn:
                metrics.set_open(await store_queries.open_ages(conn), now)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database may blip; the next pass catches up
            log.warning("SLA check failed; will try again", error=repr(exc))
        await asyncio.sleep(every)
