"""SQL of the periodic jobs: leadership, how far a job has looked, and missed visits."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from services.delivery.domain.matching import PlannedVisit


async def lead(conn: asyncpg.Connection, job: str) -> bool:
    """True when this instance runs `job` now (until the transaction ends); other instances skip."""
    return await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))", f"carepay-delivery:job:{job}")


async def done_through(conn: asyncpg.Connection, job: str) -> datetime | None:
    return await conn.fetchval("SELECT done_through FROM job_marks WHERE job = $1", job)


async def mark_done(conn: asyncpg.Connection, job: str, through: datetime) -> None:
    await conn.execute("INSERT INTO job_marks (job, done_through) VALUES ($1, $2)"
                       " ON CONFLICT (job) DO UPDATE SET done_through = EXCLUDED.done_through", job, through)


async def raise_missed(conn: asyncpg.Connection, visits: Sequence[PlannedVisit]) -> set[str]:
    """Record as missed the visits with no verified attendance, once each; return the keys raised now."""
    if not visits:
        return set()
    rows = await conn.fetch(
        "INSERT INTO missed_visits"
        "   (visit_key, agreement_id, local_date, planned_start, planned_minutes, carers_required)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::timestamptz[], $5::int[], $6::int[])"
        "   AS m(visit_key, agreement_id, local_date, planned_start, planned_minutes, carers_required)"
        " WHERE NOT EXISTS (SELECT 1 FROM verified_visits v WHERE v.visit_key = m.visit_key AND NOT v.withdrawn)"
        " ON CONFLICT (visit_key) DO NOTHING RETURNING visit_key",
        [v.key for v in visits], [v.agreement_id for v in visits], [v.local_date for v in visits],
        [v.planned_start for v in visits], [v.planned_minutes for v in visits], [v.carers_required for v in visits])
    return {r["visit_key"] for r in rows}
