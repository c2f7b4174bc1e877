"""Periodic work of the agreements service (`create_service(background=JOBS)`), started once the database
is migrated and Kafka reached:
- direct payment reviews: every CAREPAY_AGREEMENTS_DP_REVIEWS_EVERY_S seconds (60), recount the live
  direct payments whose review is due or overdue today (London) for `carepay_dp_reviews{status}`. Read
  only, so every instance does it and no lock is taken.

A failed run is logged and retried on the next tick.
"""
from __future__ import annotations

import asyncio

from shared.clock import london_date, utcnow
from shared.logging import get_logger
from shared.redaction import describe
from services.agreements.config import agreements_config
from services.agreements.steps.dp_reviews import observe_reviews

log = get_logger(__name__)


async def dp_reviews(runtime) -> None:
    """Recount direct payment reviews due and overdue, for ever."""
    every = agreements_config().dp_reviews_every_s
    await runtime.wait_for_database()
    while True:
        try:
            await observe_reviews(runtime.pool, london_date(utcnow()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database may blip; the next tick catches up
            log.warning("direct payment review count failed; will try again", error=describe(exc))
        await asyncio.sleep(every)


JOBS = [dp_reviews]
