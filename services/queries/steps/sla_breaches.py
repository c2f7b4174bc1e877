"""Announcing each SLA deadline that has passed (QuerySlaBreached, once each), a batch per transaction.

A pass takes a transaction-scoped advisory lock, so one instance flags at a time and a crash part-way
loses nothing (the next pass finds what is still due). Only queries whose `next_breach_check` has
come are read, so a pass costs nothing when nothing is due.
"""
from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from contracts.envelope import Actor
from services.queries import metrics, store
from services.queries.domain.effects import flag_breaches
from shared.events import Cause
from shared.outbox import Outbox

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
            due = await store.queries.due_for_breach_check(conn, now, BATCH)
            cause = Cause(str(uuid.uuid4()), None, CLOCK)
            for query in due:
                step = flag_breaches(query, now)
                await store.queries.save(conn, step.query)
                await outbox.publish(conn, step.events, cause)
                flagged.append(step)
        for step in flagged:  # counted once committed
            metrics.observe(step.query, step.events)
            announced += len(step.events)
        if len(due) < BATCH:
            return announced
