"""Periodic work, one instance at a time (a Postgres advisory lock per job and run):
- missed visits: every 30 s, planned visits with no attendance by their cut-off → VisitMissed at once;
- auto-confirmation: every 30 s, weeks past their cut-off (and quiet) → PeriodActualsConfirmed;
- the unallocated backlog gauge, every 30 s (every instance, from the database).

Started with the app (the router's lifespan), after the database is ready.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from contracts import delivery as contract
from contracts.envelope import Actor
from services.delivery import metrics, store_jobs, store_periods, store_records
from services.delivery.confirmation import confirm_period
from services.delivery.missed import MissedPolicy, due_missed
from services.delivery.periods import ConfirmPolicy
from services.delivery.state import BOOK
from services.delivery.store_agreements import refresh
from shared.clock import utcnow
from shared.errors import IllegalState
from shared.events import Cause
from shared.logging import get_logger

log = get_logger(__name__)
MISSED = MissedPolicy.from_env()
CONFIRM = ConfirmPolicy.from_env()
SYSTEM = Actor(id="system:delivery", role="system")
_CONFIRM_CHUNK = 100
_SLICE = 500


def _cause(job: str) -> Cause:
    return Cause(correlation_id=f"delivery-job:{job}:{utcnow():%Y%m%dT%H%M%S}", causation_id=None, actor=SYSTEM)


async def raise_missed_visits(runtime) -> int:
    async with runtime.pool.acquire() as conn, conn.transaction():
        if not await store_jobs.lead(conn, "missed-visits"):
            return 0
        await refresh(conn, BOOK)
        now = utcnow()
        since = await store_jobs.done_through(conn, "missed-visits")
        agreements = BOOK.actuals_agreements()
        candidates = []
        for i in range(0, len(agreements), _SLICE):  # let feeds run between slices (midnight: every visit of a day)
            candidates += due_missed(BOOK, since=since, now=now, horizon_days=MISSED.horizon_days,
                                     agreements=agreements[i:i + _SLICE])
            await asyncio.sleep(0)
        raised = await store_jobs.raise_missed(conn, candidates)
        events = [contract.VisitMissed(
            agreement_id=v.agreement_id, person_ref=v.service_user_ref, provider_id=v.provider_ref, visit_key=v.key,
            local_date=v.local_date, planned_start=v.planned_start, planned_minutes=v.planned_minutes,
            carers_required=v.carers_required) for v in candidates if v.key in raised]
        await runtime.outbox.publish(conn, events, _cause("missed-visits"))
        await store_jobs.mark_done(conn, "missed-visits", now)
    metrics.MISSED.inc(len(events))
    if events:
        log.warning("visits missed: safeguarding alerts raised", missed=len(events))
    return len(events)


async def auto_confirm_periods(runtime) -> int:
    latest = CONFIRM.latest_due_week(utcnow())
    confirmed = 0
    while True:
        async with runtime.pool.acquire() as conn, conn.transaction():
            if not await store_jobs.lead(conn, "auto-confirm"):
                return confirmed
            due = await store_periods.due_periods(conn, latest, CONFIRM.settle, _CONFIRM_CHUNK)
            for p in due:
                try:
                    await confirm_period(conn, runtime.outbox, _cause("auto-confirm"), agreement_id=p["agreement_id"],
                                         person_ref=p["person_ref"], provider_id=p["provider_id"],
                                         week=p["week_start"], by="auto")
                    confirmed += 1
                except IllegalState:
                    pass  # confirmed by the provider meanwhile
        if len(due) < _CONFIRM_CHUNK:
            return confirmed


async def observe_backlog(runtime) -> int:
    async with runtime.pool.acquire() as conn:
        backlog = await store_records.open_unallocated_count(conn)
    metrics.UNALLOCATED_BACKLOG.set(backlog)
    return backlog


async def _every(seconds: float, job: Callable[[object], Awaitable[int]], runtime) -> None:
    await runtime.wait_for_database()
    while True:
        try:
            await job(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failed run is retried on the next tick
            log.warning("delivery job failed; next run will retry", job=job.__name__, error=repr(exc))
        await asyncio.sleep(seconds)


@asynccontextmanager
async def _lifespan(app: FastAPI):
    runtime = app.state.runtime
    tasks = [asyncio.create_task(_every(MISSED.every_seconds, raise_missed_visits, runtime), name="delivery-missed"),
             asyncio.create_task(_every(30, auto_confirm_periods, runtime), name="delivery-auto-confirm"),
             asyncio.create_task(_every(30, observe_backlog, runtime), name="delivery-backlog")]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


router = APIRouter(lifespan=_lifespan)
