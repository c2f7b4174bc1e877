"""Periodic work of the queries service (passed to create_service as `background=JOBS`).

The SLA clock: every `CAREPAY_QUERIES_SLA_EVERY_S` seconds (60), announce each deadline that has
passed (`steps.sla_breaches`; one instance at a time, under an advisory lock). Each instance also
recounts open queries by category and age band for its gauge (read only, no lock).
"""
from __future__ import annotations

import asyncio

from services.queries import metrics, store
from services.queries.config import config
from services.queries.steps.sla_breaches import flag_due_breaches
from shared.clock import utcnow
from shared.logging import get_logger
from shared.redaction import describe

log = get_logger(__name__)


async def sla_watch(runtime) -> None:
    """Announce breaches due and recount open queries, every `sla_every_s`, for ever."""
    every = config().sla_every_s
    while True:
        try:
            now = utcnow()
            announced = await flag_due_breaches(runtime.pool, runtime.outbox, now)
            if announced:
                log.info("SLA breaches announced", breaches=announced)
            async with runtime.pool.acquire() as conn:
                metrics.set_open(await store.queries.open_ages(conn), now)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database may blip; the next pass catches up
            log.warning("SLA check failed; will try again", error=describe(exc))
        await asyncio.sleep(every)


JOBS = [sla_watch]
