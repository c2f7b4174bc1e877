"""Direct payments for the database-only tier: told to payments as agreements publishes them, and runs
proposed and approved through the payments HTTP API (against the test's own schema)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from contracts import agreements
from shared.calendar import is_working_day
from shared.testing import DatabaseOnly
from services.payments.handlers.agreements import AGREEMENTS, PAYEE_ACCOUNTS
from tests.integration.payments.payments_helpers import direct_payment, payee_account_of


def working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


async def agreed(db: DatabaseOnly, start: date, *, weekly_budget: int = 14_000,
                 council_managed: bool = False) -> agreements.DirectPaymentAgreed:
    """A direct payment (£140 a week by default: £560, 56,000p, per four weeks) and its payee account."""
    dp = direct_payment(start, weekly_budget=weekly_budget, council_managed=council_managed)
    await db.send(AGREEMENTS, dp)
    await db.send(PAYEE_ACCOUNTS, payee_account_of(dp))
    assert db.dead == []
    return dp


def variation(dp: agreements.DirectPaymentAgreed, version: int, effective_from: date,
              **changes: Any) -> agreements.DirectPaymentVaried:
    fields = dp.model_dump(exclude={"mechanism"}) | changes
    return agreements.DirectPaymentVaried(**fields, version=version, effective_from=effective_from)


async def paid_run(db: DatabaseOnly, client: httpx.AsyncClient, pay_date: date, agreement_id: str,
                   *, approve: bool = True) -> dict[str, Any]:
    """An ad hoc run paying only this direct payment, proposed by one person and approved by another."""
    proposed = await client.post("/payment-runs", json={
        "pay_date": pay_date.isoformat(), "kind": "ad_hoc", "include_direct_payments": True, "providers": [],
        "direct_payments": [agreement_id]}, headers=db.auth("finance_officer", subject="u-maker"))
    assert proposed.status_code == 201, proposed.text
    run = proposed.json()
    if approve and run["payments"]:
        approved = await client.post(f"/payment-runs/{run['run_id']}/approve",
                                     headers=db.auth("finance_approver", subject="u-checker"))
        assert approved.status_code == 200, approved.text
    return run


def lines_of(run: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    [payment] = run["payments"]
    return [(ln["kind"], ln["period_start"], ln["period_end"], ln["amount_pence"]) for ln in payment["lines"]]
