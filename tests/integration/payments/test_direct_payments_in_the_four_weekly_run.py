"""Direct payments: four-weekly in advance, net of the contribution, to the nominee's account or the
council-managed account, whose ledger shows every penny in and out; changes and endings."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts import agreements
from contracts.agreements import EndReason
from tests.conftest import auth, eventually
from tests.integration.payments.payments_helpers import (FINANCE, approve, approved_and_exported, direct_payment,
                                                          payee_account_of,
                                                         events_of, payment_of, propose, send, today)

pytestmark = pytest.mark.stack


async def next_four_weekly_run(http, base: str, after_days: int = 5) -> date:
    start = today() + timedelta(days=after_days)
    resp = await http.get(f"{base}/payment-calendar", params={"from": start.isoformat(),
                                                              "to": (start + timedelta(days=40)).isoformat()},
                          headers=FINANCE)
    assert resp.status_code == 200, resp.text
    return date.fromisoformat(next(r["pay_date"] for r in resp.json() if r["kind"] == "four_weekly"))


async def agreed(producer, http, base, dp: agreements.DirectPaymentAgreed) -> None:
    await send(producer, payee_account_of(dp))  # on agreements.payee-accounts
    await send(producer, dp)

    async def known():
        resp = await http.get(f"{base}/direct-payments/{dp.agreement_id}/account", headers=FINANCE)
        return (resp.status_code == 200 and resp.json()["net_per_four_weeks_pence"] == dp.amount_per_four_weeks_pence
                and resp.json()["payee_account_known"])
    await eventually(known, what=f"direct payment {dp.agreement_id} known to payments")


async def account(http, base, agreement_id: str) -> dict:
    resp = await http.get(f"{base}/direct-payments/{agreement_id}/account", headers=FINANCE)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_four_weekly_run_pays_direct_payments_in_advance_net_of_contribution(http, stack, producer, tail):
    base = stack["payments"]
    pay_date = await next_four_weekly_run(http, base)
    nominee = direct_payment(pay_date, weekly_budget=15_000, weekly_contribution=2_500)
    managed = direct_payment(pay_date, weekly_budget=10_000, council_managed=True)
    await agreed(producer, http, base, nominee)
    await agreed(producer, http, base, managed)

    async with tail("payments.events") as events:
        run = await propose(http, base, {"pay_date": pay_date, "kind": "four_weekly", "providers": [],
                                         "direct_payments": [nominee.agreement_id, managed.agreement_id]})
        assert run["kind"] == "four_weekly"
        to_nominee, to_council = payment_of(run, nominee.agreement_id), payment_of(run, managed.agreement_id)
        assert to_nominee["amount_pence"] == 4 * (15_000 - 2_500)
        assert to_nominee["account"] == "****" + payee_account_of(nominee).payee_account.account_number[-4:]
        assert [(ln["period_start"], ln["period_end"]) for ln in to_nominee["lines"]] == [
            (pay_date.isoformat(), (pay_date + timedelta(days=27)).isoformat())]
        assert to_council["council_managed"] is True and to_council["account"] == "****4321"
        await approved_and_exported(http, base, run["run_id"])
        made = await events.wait_for(lambda r: r.key == managed.agreement_id.encode())
    [event] = events_of(made, "DirectPaymentMade")
    assert event["payload"]["council_managed"] is True and event["payload"]["amount_pence"] == 40_000
    assert event["payload"]["period_end"] == (pay_date + timedelta(days=27)).isoformat()

    ledger = await account(http, base, managed.agreement_id)
    assert [(e["kind"], e["direction"], e["amount_pence"]) for e in ledger["entries"]] == [
        ("direct_payment_in", "in", 40_000)]
    assert ledger["balance_pence"] == 40_000 and ledger["surplus"]["flagged"] is False
    assert ledger["paid_up_to"] == (pay_date + timedelta(days=28)).isoformat()

    entries = f"{base}/direct-payments/{managed.agreement_id}/account/entries"
    officer = auth("finance_officer")
    # Money leaves the account only through runs and reclaims a second person approves: by hand, only money in.
    out = await http.post(entries, headers=officer, json={"on": pay_date.isoformat(), "kind": "recovery_to_council",
                                                          "amount_pence": 30_000, "reference": "REC-1"})
    assert out.status_code == 422 and "kind" in out.text
    paid_in = await http.post(entries, headers=officer, json={"on": pay_date.isoformat(), "kind": "contribution_in",
                                                              "amount_pence": 2_500, "reference": "CONTRIB-0"})
    assert paid_in.status_code == 201 and paid_in.json()["balance_pence"] == 42_500
    twice = await http.post(entries, headers=officer, json={"on": pay_date.isoformat(), "kind": "contribution_in",
                                                            "amount_pence": 1, "reference": "CONTRIB-0"})
    assert twice.status_code == 409
    # 8 weeks of a £100 weekly budget is £800: a balance above it is flagged for recovery.
    saved = await http.post(entries, headers=officer, json={"on": today().isoformat(), "kind": "contribution_in",
                                                            "amount_pence": 80_001, "reference": "CONTRIB-1"})
    assert saved.status_code == 201
    flagged = await account(http, base, managed.agreement_id)
    if date.fromisoformat(flagged["entries"][-1]["on"]) <= today() and pay_date > today():
        assert flagged["balance_today_pence"] == 80_001
    assert flagged["surplus"]["threshold_pence"] == 80_000
    assert flagged["surplus"]["flagged"] is (flagged["balance_today_pence"] > 80_000)
    assert flagged["money_in_pence"] == 40_000 + 2_500 + 80_001 and flagged["money_out_pence"] == 0

    async def gauge():
        metrics = (await http.get(f"{base}/metrics")).text
        line = next(ln for ln in metrics.splitlines() if ln.startswith("carepay_dp_surplus_flags "))
        return float(line.split()[1]) >= 1
    await eventually(gauge, timeout=30, what="the surplus flag gauge")


async def test_a_change_adjusts_the_next_payment_and_an_ending_computes_what_to_recover(http, stack, producer):
    base = stack["payments"]
    pay_date = await next_four_weekly_run(http, base)
    dp = direct_payment(pay_date, weekly_budget=7_000)
    await agreed(producer, http, base, dp)
    run = await propose(http, base, {"pay_date": pay_date, "kind": "four_weekly", "providers": [],
                                     "direct_payments": [dp.agreement_id]})
    assert payment_of(run, dp.agreement_id)["amount_pence"] == 28_000
    await approved_and_exported(http, base, run["run_id"])

    # From day 15 the budget rises to £84 a week: the 14 days already paid at £70 are topped up next time.
    raised = dp.model_copy(update={"start": pay_date + timedelta(days=14), "weekly_budget_pence": 8_400,
                                   "amount_per_four_weeks_pence": 33_600})
    await agreed(producer, http, base, raised)
    following = pay_date + timedelta(days=28)
    nxt = await propose(http, base, {"pay_date": following, "kind": "ad_hoc", "include_direct_payments": True,
                                     "providers": [], "direct_payments": [dp.agreement_id]})
    lines = payment_of(nxt, dp.agreement_id)["lines"]
    assert [(ln["kind"], ln["amount_pence"]) for ln in lines] == [("direct_payment", 33_600), ("adjustment", 2_800)]

    await send(producer, agreements.DirectPaymentEnded(agreement_id=dp.agreement_id, person_ref=dp.person_ref,
                                                       end=pay_date + timedelta(days=20), reason=EndReason.MOVED_AWAY))

    async def ended():
        found = await account(http, base, dp.agreement_id)
        return found["ended_on"] and found
    found = await eventually(ended, what="the ending seen by payments")
    # 7 of the 28 days paid at £10 a day are after the end (£70), less the £2 a day top-up owed for days 15-21.
    assert found["recovery_pence"] == 7_000 - 1_400
    after = await propose(http, base, {"pay_date": following, "kind": "ad_hoc", "include_direct_payments": True,
                                       "providers": [], "direct_payments": [dp.agreement_id]})
    assert after["payments"] == []


async def test_an_adjustment_is_paid_once_even_by_two_runs_proposed_together(http, stack, producer, db):
    base = stack["payments"]
    pay_date = await next_four_weekly_run(http, base)
    dp = direct_payment(pay_date, weekly_budget=5_000)
    await agreed(producer, http, base, dp)
    first = await propose(http, base, {"pay_date": pay_date, "kind": "four_weekly", "providers": [],
                                       "direct_payments": [dp.agreement_id]})
    await approved_and_exported(http, base, first["run_id"])
    await agreed(producer, http, base, dp.model_copy(update={"weekly_budget_pence": 6_000,
                                                             "amount_per_four_weeks_pence": 24_000}))
    scope = {"pay_date": pay_date + timedelta(days=28), "kind": "ad_hoc", "include_direct_payments": True,
             "providers": [], "direct_payments": [dp.agreement_id]}
    one, two = await propose(http, base, scope), await propose(http, base, scope)
    assert payment_of(one, dp.agreement_id)["lines"][-1] == payment_of(two, dp.agreement_id)["lines"][-1]
    assert (await approve(http, base, one["run_id"])).status_code == 200
    refused = await approve(http, base, two["run_id"])
    assert refused.status_code == 409 and "adjustment" in refused.text
    settled = await db.fetch("SELECT settled_by FROM payments.direct_payment_adjustments WHERE agreement_id = $1",
                             dp.agreement_id)
    assert [r["settled_by"] for r in settled] == [one["run_id"]]
