"""Periodic work of the payments service, each `async def work(runtime)` run by `create_service`:
- the stored-state gauges (runs by state, last export, surplus flags), every `metrics.REFRESH_SECONDS`
  on every instance, read from the database.
"""
from __future__ import annotations

import asyncio

from shared.logging import get_logger
from shared.redaction import describe
from shared.service import ServiceRuntime
from services.payments.metrics import REFRESH_SECONDS, refresh_gauges

log = get_logger(__name__)


async def keep_gauges_fresh(runtime: ServiceRuntime) -> None:
    """Set the gauges from the database every few seconds; a failure is logged and tried again
    (a metric never stops the service)."""
    await runtime.wait_for_database()
    while True:
        try:
            async with runtime.pool.acquire() as conn:
                await refresh_gauges(conn)
        except Exception as exc:  # noqa: BLE001 - a metric must never stop the service
            log.warning("could not refresh payments gauges", error=describe(exc))
        await asyncio.sleep(REFRESH_SECONDS)


JOBS = [keep_gauges_fresh]
