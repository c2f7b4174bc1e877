"""One reconciliation, always true (issue 17): for a small council's month entered after the fact (a rate
uplift from a Wednesday applied in one step, a hospital stay, a death told late, a four-weekly care home,
a provider yet to invoice its last week), reporting's budget, committed, delivered, invoiced and paid for
every person and week equal what requests, agreements, delivery, invoicing and payments hold for that
week; the Bacs files' total equals reporting's paid; accruals plus invoiced equal delivered.

The owning services' figures are worked out from their own APIs (tests/e2e/reconciliation.py); reporting is
polled until it agrees (it reads the events later) or the wait runs out, naming every difference."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import httpx
import pytest

from shared.clock import london_date, utcnow
from shared.demo.client import BROKER, FINANCE_OFFICER, OPS, SOCIAL_WORKER, Stack, StackError, until
from tests.e2e import reconciliation as rec
from tests.e2e.payment_files import read_bacs
from tests.e2e.reconciliation_month import ReconciledMonth, run_reconciled_month

pytestmark = pytest.mark.stack
PATIENCE = 120.0


@pytest.fixture(scope="session")
async def reconciled(stack) -> ReconciledMonth:
    return await run_reconciled_month(london_date(utcnow()))


def _range(m: ReconciledMonth) -> tuple:
    """The month's weeks and the week after it (nothing may spill into it but budgets and open commitments)."""
    first, last = m.council.month.first, m.council.month.last + timedelta(days=7)
    return first, last, rec.mondays(first, last)


async def owners_say(stack: Stack, m: ReconciledMonth) -> tuple[dict, dict, dict]:
    """From the owning services: person -> week -> measures, person -> pence delivered in confirmed weeks,
    and invoice id -> (invoice, its agreement's (provider, service type, cost centre))."""
    first, last, weeks = _range(m)
    runs = [await stack.get("payments", f"/payment-runs/{r}", FINANCE_OFFICER, lines="true") for r in m.run_ids]
    paid = rec.paid_by_invoice(runs)
    out, confirmed, bills = {}, {}, {}
    for person in m.council.people:
        aid = m.ledger.agreement_ids[person.ref]
        request = await stack.get("requests", f"/requests/{m.ledger.request_ids[person.ref]}", SOCIAL_WORKER)
        agreement = await stack.get("agreements", f"/agreements/{aid}", BROKER)
        commitment = await stack.get("agreements", f"/people/{person.ref}/commitments", BROKER)
        budget = rec.weekly_rate_by_week(rec.budget_rates(request["budget"], date.fromisoformat(
            request["requested_start"]), request.get("reassessments") or ()), weeks)
        committed = rec.weekly_rate_by_week(rec.commitment_rates(commitment, aid), weeks, **rec.window_of(agreement))
        periods = [await stack.get("delivery", f"/agreements/{aid}/periods/{w}", OPS)
                   for w in m.council.month.weeks] if person.care == "home_care" else []
        delivered = rec.delivered_by_week(periods)
        invoiced: dict = {}
        paid_weeks: dict = {}
        for summary in await stack.get("invoicing", "/invoices", FINANCE_OFFICER, agreement_id=aid, limit=500):
            if summary["status"] not in rec.PAYABLE_INVOICES and summary["kind"] != "credit_note":
                continue
            invoice = await stack.get("invoicing", f"/invoices/{summary['invoice_id']}", FINANCE_OFFICER)
            sign = -1 if invoice["kind"] == "credit_note" else 1
            spans = rec.invoice_spans(invoice)
            rec.add(invoiced, rec.spread_by_week(sign * invoice["total_pence"], spans))
            rec.add(paid_weeks, rec.spread_by_week(paid.get(invoice["invoice_id"], 0), spans))
            bills[invoice["invoice_id"]] = (invoice, (agreement["provider_id"], agreement["service_type"],
                                                      agreement["cost_centre"]))
        out[person.ref] = {w: (budget.get(w, 0), committed.get(w, 0), delivered.get(w, 0), invoiced.get(w, 0),
                               paid_weeks.get(w, 0)) for w in weeks}
        confirmed[person.ref] = sum(p["amount_pence"] for p in periods if p["status"] == "confirmed")
    return out, confirmed, bills


def _nonzero(by_week: dict) -> dict:
    return {str(w): v for w, v in by_week.items() if any(v)}


async def _every_row_of_spend(stack: Stack, **params) -> list[dict]:
    """/spend's rows, following its pages (Link rel="next") to the last."""
    rows, path, query = [], "/spend", params
    while True:
        response = await stack.send("GET", "reporting", path, FINANCE_OFFICER, params=query)
        assert response.status_code == 200, response.text
        rows += response.json()["rows"]
        if "next" not in response.links:
            return rows
        path, query = httpx.URL(response.links["next"]["url"]).raw_path.decode(), None


async def reporting_says(stack: Stack, m: ReconciledMonth) -> tuple[dict, dict]:
    """person -> week -> measures from /people/{ref}/budget, and (without budget) from /spend by person."""
    first, last, _ = _range(m)
    window = {"period": "week", "from": first.isoformat(), "to": last.isoformat()}
    budgets, spend = {}, defaultdict(dict)
    for person in m.council.people:
        answer = await stack.get("reporting", f"/people/{person.ref}/budget", FINANCE_OFFICER, **window)
        budgets[person.ref] = {date.fromisoformat(p["period_start"]): tuple(p[k] for k in rec.MEASURES)
                               for p in answer["periods"]}
    for provider in m.council.providers:
        for row in await _every_row_of_spend(stack, group_by="person", limit=500,
                                             provider_id=m.ledger.provider_ids[provider.key], **window):
            week = date.fromisoformat(row["period_start"])
            figures = tuple(row[k] for k in rec.MEASURES[1:])
            before = spend[row["group"]].get(week, (0, 0, 0, 0))
            spend[row["group"]][week] = tuple(a + b for a, b in zip(before, figures))
    return budgets, dict(spend)


async def test_every_person_and_week_reconciles_and_the_payment_files_total_reportings_paid(reconciled):
    m = reconciled
    async with Stack() as stack:
        owners, _, _ = await owners_say(stack, m)
        want = {ref: _nonzero(weeks) for ref, weeks in owners.items()}
        want_spend = {ref: {w: v[1:] for w, v in weeks.items() if any(v[1:])} for ref, weeks in want.items()}
        seen: dict = {}

        async def agrees():
            budgets, spend = await reporting_says(stack, m)
            seen["budget"] = {ref: rec.differences(_nonzero(budgets.get(ref, {})), want[ref]) for ref in want}
            seen["spend"] = {ref: rec.differences(_nonzero(spend.get(ref, {})), want_spend[ref]) for ref in want}
            seen["paid"] = sum(v[3] for weeks in spend.values() for v in weeks.values())
            return not any(seen["budget"].values()) and not any(seen["spend"].values())

        try:
            await until(agrees, what="reporting to agree with the owning services", timeout=PATIENCE, interval=2)
        except StackError:
            wrong = {k: {ref: d for ref, d in v.items() if d} for k, v in seen.items() if k != "paid"}
            pytest.fail(f"reporting differs (week: (reporting's, owners') as (budget, committed, delivered, "
                        f"invoiced, paid)): {wrong}")
    assert all(any(v[1] for v in weeks.values()) for weeks in want.values()), "someone was never committed"
    assert any(v[3] for weeks in want.values() for v in weeks.values()), "nothing was invoiced"
    bacs = sum(read_bacs(run.files["bacs"]).contra_pence for run in m.runs.values())
    owed = sum(v[4] for weeks in want.values() for v in weeks.values())
    assert bacs == owed == seen["paid"] > 0, (bacs, owed, seen["paid"])
    varied = {v["agreement_id"] for v in m.uplift["varied"]}
    assert m.uplift["rate_uplift_id"] and varied >= {m.ledger.agreement_ids[p.ref] for p in m.council.people
                                                     if p.provider_key == "PR01"}


async def test_accruals_plus_invoiced_equal_delivered(reconciled):
    m = reconciled
    async with Stack() as stack:
        _, confirmed, bills = await owners_say(stack, m)
        runs = [await stack.get("payments", f"/payment-runs/{r}", FINANCE_OFFICER, lines="true") for r in m.run_ids]
        paid = rec.paid_by_invoice(runs)
        # Money counts as paid on its pay date (a business date), so the accruals are taken as at the last
        # pay date of the month's runs: by then everything the bank confirmed is paid.
        as_at = max([m.council.month.today, *(date.fromisoformat(r["pay_date"]) for r in runs)])
        delivered: dict = defaultdict(int)
        for person in m.council.people:
            agreement = await stack.get("agreements", f"/agreements/{m.ledger.agreement_ids[person.ref]}", BROKER)
            key = (agreement["provider_id"], agreement["service_type"], agreement["cost_centre"])
            delivered[key] += confirmed[person.ref]
        invoiced: dict = defaultdict(int)
        unpaid: dict = defaultdict(int)
        for invoice_id, (invoice, key) in bills.items():
            sign = -1 if invoice["kind"] == "credit_note" else 1
            invoiced[key] += sign * invoice["total_pence"]
            unpaid[key] += sign * invoice["total_pence"] - paid.get(invoice_id, 0)
        ours = set(m.ledger.provider_ids.values())
        seen: dict = {}

        async def agrees():
            answer = await stack.get("reporting", "/accruals", FINANCE_OFFICER, as_at=as_at.isoformat())
            rows = {k: v for k, v in rec.accrual_rows(answer).items() if k[0] in ours}
            got = {k: (rows.get(k, (0, 0))[0] + invoiced[k] if k[1] == "home_care" else rows.get(k, (0, 0))[0],
                       rows.get(k, (0, 0))[1]) for k in set(rows) | set(invoiced) | set(delivered)}
            want = {k: (delivered[k] if k[1] == "home_care" else 0, unpaid[k]) for k in got}
            seen["differences"] = rec.differences(got, want)
            return not seen["differences"]

        try:
            await until(agrees, what="the accruals to reconcile", timeout=PATIENCE, interval=2)
        except StackError:
            pytest.fail(f"(accrued + invoiced, invoiced unpaid) differ from (delivered, invoiced - paid) as "
                        f"(reporting's, owners'): {seen['differences']}")
    accrued = {k: delivered[k] - invoiced[k] for k in delivered if k[1] == "home_care"}
    assert any(v > 0 for v in accrued.values()), "week 4 of the own-invoicing provider should be accrued"
    assert m.unpaid and any(v > 0 for v in unpaid.values()), "an invoice should be left unpaid"
