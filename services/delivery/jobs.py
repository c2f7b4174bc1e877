"""Periodic work (`create_service(background=JOBS)`), started once the database is migrated and Kafka reached:
- missed visits: every 30 s (CAREPAY_DELIVERY_MISSED_EVERY_SECONDS), planned visits with no attendance by
  their cut-off → VisitMissed at once; one instance at a time (a Postgres advisory lock per run);
- auto-confirmation: every 30 s, weeks past their cut-off (and quiet) → PeriodActualsConfirmed; one
  instance at a time;
- the unallocated backlog gauge, every 30 s (every instance, from the database).

A failed run is logged and retried on the next tick.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from services.delivery import metrics
from services.delivery.config import confirm_policy, missed_policy
from services.delivery.steps import confirmation, missed_visits
from services.delivery.store import records as store_records
from shared.logging import get_logger
from shared.redaction import describe

log = get_logger(__name__)
MISSED = missed_policy()
CONFIRM = confirm_policy()


async def raise_missed_visits(runtime) -> int:
    return await missed_visits.raise_missed_visits(runtime.pool, runtime.outbox, MISSED.horizon_days)


async def auto_confirm_periods(runtime) -> int:
    return await confirmation.auto_confirm_periods(runtime.pool, runtime.outbox, CONFIRM)


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
            log.warning("delivery job failed; next run will retry", job=job.__name__, error=describe(exc))
        await asyncio.sleep(seconds)


async def missed(runtime) -> None:
    await _every(MISSED.every_seconds, raise_missed_visits, runtime)


async def auto_confirm(runtime) -> None:
    await _every(30, auto_confirm_periods, runtime)


async def backlog(runtime) -> None:
    await _every(30, observe_backlog, runtime)


JOBS = [missed, auto_confirm, backlog]
