"""Business metrics of the payments service (on the shared registry, so /metrics serves them).

Counters move after the change they count has committed. Gauges that describe what is stored
(runs by state, the last export, surplus flags) are read from the database every few seconds by
`refresh_gauges`, so they are right after a restart too.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import APIRouter
from prometheus_client import Counter, Gauge

from shared.clock import london_date, utcnow
from shared.logging import get_logger
from shared.metrics import REGISTRY
from services.payments.config import payments_config
from services.payments.domain.managed_accounts import surplus_of
from services.payments.store_accounts import balances
from services.payments.store_direct_payments import agreement_of

log = get_logger(__name__)

RUNS = Gauge("carepay_payment_runs", "Payment runs by state (proposed, approved, exported).", ["state"],
             registry=REGISTRY)
PAID_PENCE = Counter("carepay_payments_pence", "Pence sent to the bank in exported runs.", ["payee_kind"],
                     registry=REGISTRY)
RETURNED = Counter("carepay_payments_returned", "Payments the bank returned (finance is alerted).", ["payee_kind"],
                   registry=REGISTRY)
RUN_FAILURES = Counter("carepay_payment_run_failures", "Run steps refused or failed, by step and why.",
                       ["step", "reason"], registry=REGISTRY)
LAST_EXPORT = Gauge("carepay_payment_run_last_export_timestamp_seconds",
                    "When a payment run was last exported successfully (Unix time).", registry=REGISTRY)
SURPLUS_FLAGS = Gauge("carepay_dp_surplus_flags",
                      "Council-managed direct-payment accounts holding more than the surplus threshold.",
                      registry=REGISTRY)

REFRESH_SECONDS = 15.0


async def refresh_gauges(conn) -> None:
    """Set the stored-state gauges from the database."""
    counts = {r["state"]: r["n"] for r in await conn.fetch(
        "SELECT CASE WHEN exported_at IS NOT NULL THEN 'exported' ELSE status END AS state, count(*) AS n"
        " FROM payment_runs GROUP BY 1")}
    for state in ("proposed", "approved", "exported"):
        RUNS.labels(state).set(counts.get(state, 0))
    last = await conn.fetchval("SELECT extract(epoch FROM max(exported_at)) FROM payment_runs")
    if last is not None:
        LAST_EXPORT.set(float(last))
    config = payments_config()
    flagged = sum(surplus_of(r["balance_pence"], agreement_of(r, [], 0, config.dp_cost_centre),
                             config.surplus_weeks).flagged
                  for r in await balances(conn, london_date(utcnow())))
    SURPLUS_FLAGS.set(flagged)


@asynccontextmanager
async def _gauges_kept_fresh(app):
    runtime = app.state.runtime

    async def loop() -> None:
        await runtime.wait_for_database()
        while True:
            try:
                async with runtime.pool.acquire() as conn:
                    await refresh_gauges(conn)
            except Exception as exc:  # noqa: BLE001 - a metric must never stop the service
                log.warning("could not refresh payments gauges", error=repr(exc))
            await asyncio.sleep(REFRESH_SECONDS)

    task = asyncio.create_task(loop(), name="payments-gauges")
    try:
        yield
    finally:
        task.cancel()


# Included by app.py only for its lifespan: FastAPI runs an included router's lifespan with the app's.
router = APIRouter(lifespan=_gauges_kept_fresh)
