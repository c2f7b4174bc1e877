"""Direct payments all the way (issue 15), in the demo council's month: a council-managed direct payment
buys a person's home care (call monitoring) and twelve hours a week of a PA (timesheets), both paid in the
weekly run from the managed account, the ledger balanced to the penny; and a direct payment held by a
person is varied mid-month, its return audited, and its surplus reclaimed by netting. Every figure is
worked out from the scenario's own data with tests/e2e/rules.py, never read from the services.
"""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shared.demo.assistants import pa_account
from shared.demo.care import payee_of
from shared.demo.dp_review import SURPLUS_PENCE, varied_contribution
from tests.conftest import auth
from tests.e2e import expected, rules
from tests.e2e.payment_files import pain001_control_sum, read_bacs

pytestmark = pytest.mark.stack
OFFICER = auth("finance_officer", subject="e2e-dp-reader")


async def _get(url: str, headers=OFFICER, **params):
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.get(url, params=params, headers=headers)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text[:300]}"
    return response.json()


def _managed(month):
    return next(p for p in month.council.people if p.managed_dp)


async def test_the_managed_run_pays_the_provider_and_the_pa_from_the_client_account(stack, month, weeks):
    person, ledger = _managed(month), month.ledger
    run = ledger.runs["managed"]
    owed = expected.managed_run_by_payee(month, weeks)
    provider = month.council.provider(person.provider_key)
    bacs = read_bacs(run.files["bacs"])
    pa = pa_account(person)
    bank = provider.new_bank or provider.bank
    assert bacs.credits[(bank.sort_code, bank.account_number)] == owed[provider.key]
    assert bacs.credits[(pa["sort_code"], pa["account_number"])] == owed[ledger.pa_ids[person.ref]]
    total = sum(owed.values())
    assert (bacs.contra_pence, sum(bacs.credits.values()), run.total_pence) == (total, total, total)
    assert pain001_control_sum(run.files["pain001"]) == total


async def test_the_managed_ledger_balances_to_the_penny(stack, month, weeks):
    person, ledger = _managed(month), month.ledger
    dp_id = ledger.dp_ids[person.ref]
    paid_in = expected.direct_payments(month, ledger.runs["four_weekly"].pay_date)[dp_id]
    owed = expected.managed_run_by_payee(month, weeks)
    provider_id = ledger.provider_ids[person.provider_key]
    to_provider, to_pa = owed[person.provider_key], owed[ledger.pa_ids[person.ref]]
    account = await _get(f"{stack['payments']}/direct-payments/{dp_id}/account",
                         headers=auth("person", person=person.ref))
    assert account["paid_in_pence"] == paid_in
    assert {p["provider_id"]: p["paid_pence"] for p in account["paid_out_by_provider"]} == {provider_id: to_provider}
    assert {p["pa_id"]: p["paid_pence"] for p in account["paid_out_by_personal_assistant"]} == {
        ledger.pa_ids[person.ref]: to_pa}
    assert account["balance_pence"] == paid_in - to_provider - to_pa > 0
    assert account["entries"][-1]["balance_pence"] == account["balance_pence"]


async def test_each_weeks_payroll_export_gives_the_bureau_hours_by_band_and_gross(stack, month):
    person, ledger = _managed(month), month.ledger
    for monday in month.council.month.weeks:
        (row,) = ledger.payroll[(person.ref, monday)]
        assert (row["employee_ref"], row["period_start"], row["period_end"]) == (
            f"EMP-{person.ref}", monday.isoformat(), (monday + timedelta(days=6)).isoformat())
        assert (float(row["hours_day"]), float(row["hours_evening"]), float(row["hours_night"])) == (10, 2, 0)
        assert int(row["gross_pence"]) == rules.pa_week_gross_pence()


async def test_a_persons_direct_payment_varied_then_its_surplus_netted_from_the_next_payment(stack, month):
    council, ledger = month.council, month.ledger
    person = next(p for p in council.people if p.dp_varied_from)
    review = ledger.dp_review
    old_4w = 4 * (person.weekly_budget_pence - person.weekly_contribution_pence)
    new_4w = 4 * (person.weekly_budget_pence - varied_contribution(person))
    first_run, next_run = ledger.runs["four_weekly"], ledger.runs["next_four_weekly"]
    paid = rules.direct_payment_periods(council.month.first, first_run.pay_date)
    due = rules.direct_payment_periods(council.month.first, next_run.pay_date) - paid
    change = rules.direct_payment_change(council.month.first, paid, person.dp_varied_from, old_4w, new_4w)
    assert change < 0 and review.surplus_pence == SURPLUS_PENCE
    want = due * new_4w + change - SURPLUS_PENCE
    payee = payee_of(person)
    bacs = read_bacs(next_run.files["bacs"])
    assert bacs.credits[(payee["sort_code"], payee["account_number"])] == want
    reclaim = await _get(f"{stack['payments']}/direct-payments/{review.agreement_id}/reclaims")
    assert [(r["reclaim_id"], r["amount_pence"], r["status"], r["netted_pence"]) for r in reclaim] == [
        (review.reclaim_id, SURPLUS_PENCE, "approved", SURPLUS_PENCE)]
