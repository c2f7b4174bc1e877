"""Business metrics of the payments service (on the shared registry, so /metrics serves them).

Counters move after the change they count has committed. Gauges that describe what is stored
(runs by state, the last export, surplus flags) are read from the database every few seconds by
`refresh_gauges` (the job `jobs.keep_gauges_fresh`, every `REFRESH_SECONDS`), so they are right
after a restart too.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge

from shared.clock import london_date, utcnow
from shared.metrics import REGISTRY
from services.payments.config import payments_config
from services.payments.domain.managed_accounts import surplus_of
from services.payments.store.accounts import balances
from services.payments.store.direct_payments import agreement_of

RUNS = Gauge("carepay_payment_runs", "Payment runs by state (proposed, approved, exported).", ["state"],
             registry=REGISTRY)
PAID_PENCE = Counter("carepay_payments_pence", "Pence sent to the bank in exported runs.", ["payee_kind"],
                     registry=REGISTRY)
RETURNED = Counter("carepay_payments_returned", "Payments the bank returned (finance is alerted).", ["payee_kind"],
                   registry=REGISTRY)
TWO_PERSON_DECISIONS = Counter(
    "carepay_payments_two_person_decisions",
    "Returns, hold releases, direct-payment return audits and reclaims by step: recorded (pending), approved by "
    "a second person, or refused (self_approval: the one who recorded it tried to approve it).",
    ["kind", "step"], registry=REGISTRY)
RUN_FAILURES = Counter("carepay_payment_run_failures", "Run steps refused or failed, by step and why.",
                       ["step", "reason"], registry=REGISTRY)
LAST_EXPORT = Gauge("carepay_payment_run_last_export_timestamp_seconds",
                    "When a payment run was last exported successfully (Unix time).", registry=REGISTRY)
SURPLUS_FLAGS = Gauge("carepay_dp_surplus_flags",
                      "Council-managed direct-payment accounts holding more than the surplus threshold.",
                      registry=REGISTRY)
BANK_VERIFICATIONS_REFUSED = Counter(
    "carepay_payments_bank_verifications_refused",
    "Bank details verifications payments dead-lettered instead of changing a payee's account, by why "
    "(unknown_bank_change, bank_change_mismatch, bank_change_self_verified, bank_change_not_pending).",
    ["reason"], registry=REGISTRY)
TIMESHEETS = Counter("carepay_payroll_timesheets",
                     "Personal assistants' timesheets by outcome: submitted, refused (422), approved, rejected.",
                     ["outcome"], registry=REGISTRY)

DP_RETURNS = Counter("carepay_dp_returns", "Direct payments' periodic returns received (reconciled and stored) or "
                     "refused (nothing stored), by source (bank_statement, totals).", ["source", "outcome"],
                     registry=REGISTRY)
DP_RECLAIMED_PENCE = Counter("carepay_dp_reclaimed_pence", "Pence of direct-payment reclaims approved by a second "
                             "person, by reason (surplus, unspent_at_end) and method (netting, debt).",
                             ["reason", "method"], registry=REGISTRY)

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
