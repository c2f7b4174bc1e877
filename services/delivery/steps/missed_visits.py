"""Raising missed visits: planned visits with no attendance by their cut-off → VisitMissed, once per visit
key (a safeguarding alert). One instance at a time: a Postgres advisory lock per run."""
from __future__ import annotations

import asyncio

import asyncpg

from contracts import delivery as contract
from contracts.envelope import Actor
from services.delivery import metrics
from services.delivery.domain.missed import due_missed
from services.delivery.store import jobs as store_jobs
from services.delivery.store.agreements import BOOK, refresh
from shared.clock import utcnow
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox

log = get_logger(__name__)
SYSTEM = Actor(id="system:delivery", role="system")
_SLICE = 500


def _cause(job: str) -> Cause:
    return Cause(correlation_id=f"delivery-job:{job}:{utcnow():%Y%m%dT%H%M%S}", causation_id=None, actor=SYSTEM)


async def raise_missed_visits(pool: asyncpg.Pool, outbox: Outbox, horizon_days: int) -> int:
    """Raise every visit whose cut-off passed since the last run (within `horizon_days`); how many."""
    async with pool.acquire() as conn, conn.transaction():
        if not await store_jobs.lead(conn, "missed-visits"):
            return 0
        await refresh(conn, BOOK)
        now = utcnow()
        since = await store_jobs.done_through(conn, "missed-visits")
        agreements = BOOK.actuals_agreements()
        candidates = []
        for i in range(0, len(agreements), _SLICE):  # let feeds run between slices (midnight: every visit of a day)
            candidates += due_missed(BOOK, since=since, now=now, horizon_days=horizon_days,
                                     agreements=agreements[i:i + _SLICE])
            await asyncio.sleep(0)
        raised = await store_jobs.raise_missed(conn, candidates)
        events = [contract.VisitMissed(
            agreement_id=v.agreement_id, person_ref=v.service_user_ref, provider_id=v.provider_ref, visit_key=v.key,
            local_date=v.local_date, planned_start=v.planned_start, planned_minutes=v.planned_minutes,
            carers_required=v.carers_required) for v in candidates if v.key in raised]
        await outbox.publish(conn, events, _cause("missed-visits"))
        await store_jobs.mark_done(conn, "missed-visits", now)
    metrics.MISSED.inc(len(events))
    if events:
        log.warning("visits missed: safeguarding alerts raised", missed=len(events))
    return len(events)
