"""A direct payment held by the person, after the month is paid: reassessed (their contribution goes up
from a Wednesday already paid for), varied through agreements, its return for the month (a bank
statement CSV) audited by finance and signed off by a second person, the surplus above eight weeks of
payments reclaimed by netting, and the next four-weekly run paying the new amount, the exact
adjustment for the days already paid, less the reclaim (the same run pays the ISFs' next advances,
net of what was overpaid after a death told late: `isf.py`).
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from shared.demo import paying
from shared.demo.client import (BROKER, FINANCE_APPROVER, FINANCE_OFFICER, SOCIAL_WORKER, Stack, StackError, person,
                                until)
from shared.demo.council import Council, Person
from shared.demo.ledger import DpReview, Ledger, RunDone

CONTRIBUTION_UP_PENCE = 1500  # a week, from the reassessment
SURPLUS_PENCE = 30_000  # what the person's account holds above the threshold at the month's end
OUTGOINGS = (("care agency invoice", 0, 21_500), ("PA wages", 1, 16_000), ("care agency invoice", 2, 21_500),
             ("PA wages", 3, 16_000))  # (description, week, pence out)


def varied_contribution(p: Person) -> int:
    return p.weekly_contribution_pence + CONTRIBUTION_UP_PENCE


def statement(council: Council, p: Person, closing_pence: int) -> tuple[int, str]:
    """The opening balance and the bank statement CSV of the month that ends at `closing_pence`."""
    opening = closing_pence + sum(pence for _, _, pence in OUTGOINGS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("date", "description", "paid_in_pence", "paid_out_pence", "balance_pence"))
    balance = opening
    for text, week, pence in OUTGOINGS:
        balance -= pence
        writer.writerow((council.month.day(week, 1).isoformat(), text, 0, pence, balance))
    return opening, out.getvalue()


async def reviewed(stack: Stack, council: Council, ledger: Ledger, p: Person) -> DpReview:
    """Reassessed, varied, its return audited and signed off, its surplus reclaimed by netting."""
    dp_id = ledger.agreement_ids[p.ref]
    review = ledger.dp_review = ledger.dp_review or DpReview(dp_id)
    request_id = ledger.request_ids[p.ref]
    if not review.reassessment_id:
        done = await stack.json("POST", "requests", f"/requests/{request_id}/reassessments", SOCIAL_WORKER, json={
            "effective_from": p.dp_varied_from.isoformat(), "weekly_budget_pence": p.weekly_budget_pence,
            "weekly_contribution_pence": varied_contribution(p)})
        review.reassessment_id = done["reassessment_id"]

    async def varied():
        response = await stack.send("POST", "agreements", f"/direct-payments/{dp_id}/variations", BROKER,
                                    json={"reassessment_id": review.reassessment_id})
        if response.status_code in (200, 201, 202):
            return response.json()
        now = await stack.get("agreements", f"/direct-payments/{dp_id}", BROKER)
        return now if now.get("weekly_contribution_pence") == varied_contribution(p) else None

    await until(varied, what=f"agreements to vary direct payment {dp_id} after reassessment {review.reassessment_id}")
    holder = person(p.ref)
    new_net = 4 * (p.weekly_budget_pence - varied_contribution(p))

    async def payments_knows():
        seen = await stack.get("payments", f"/direct-payments/{dp_id}/account", holder)
        return seen if seen["net_per_four_weeks_pence"] == new_net else None

    # The audit measures the surplus against the payment in force, so payments must have the variation.
    await until(payments_knows, what=f"payments to hold direct payment {dp_id} as varied")
    if not review.return_id:
        weekly_net = p.weekly_budget_pence - varied_contribution(p)
        review.closing_balance_pence = 8 * weekly_net + SURPLUS_PENCE
        opening, text = statement(council, p, review.closing_balance_pence)
        response = await stack.send(
            "POST", "payments", f"/direct-payments/{dp_id}/bank-statements", holder, content=text.encode(),
            content_type="text/csv", params={"period_start": council.month.first.isoformat(),
                                             "period_end": council.month.last.isoformat(),
                                             "opening_balance_pence": opening})
        if response.status_code not in (200, 201):
            raise StackError(f"the person's return: {response.status_code} {response.text[:500]}")
        review.return_id = response.json()["return_id"]
        await stack.json("POST", "payments", f"/direct-payment-returns/{review.return_id}/audit", FINANCE_OFFICER,
                         json={})
        signed = await stack.json("POST", "payments", f"/direct-payment-returns/{review.return_id}/sign-off",
                                  FINANCE_APPROVER)
        review.surplus_pence = signed["surplus_pence"]
    if not review.reclaim_id and review.surplus_pence:
        raised = await stack.json("POST", "payments", f"/direct-payments/{dp_id}/reclaims", FINANCE_OFFICER,
                                  ok=(201, 202), json={
            "amount_pence": review.surplus_pence, "reason": "surplus", "method": "netting",
            "return_id": review.return_id})
        review.reclaim_id = raised["reclaim_id"]
        await stack.json("POST", "payments", f"/dp-reclaims/{review.reclaim_id}/approve", FINANCE_APPROVER)
    return review


async def next_four_weekly(stack: Stack, ledger: Ledger, folder: Path, dp_id: str, *,
                           providers: tuple[str, ...] = (), invoices: tuple[dict, ...] = (),
                           credit_notes: tuple[str, ...] = (), remittances: tuple[str, ...] = ()) -> RunDone:
    """The four-weekly run after the month's: the varied payment, its adjustment, less the reclaim; and
    `providers`' `invoices` (the ISFs' next advances), net of `credit_notes` owed back on invoices already
    paid (the overpayments after a death told late), their remittance advices kept (`remittances`)."""
    pay_date = ledger.runs["four_weekly"].pay_date + timedelta(days=28)
    await paying.payable_in_payments(stack, list(invoices))
    body = {"pay_date": pay_date.isoformat(), "kind": "four_weekly", "providers": list(providers),
            "pay_early": [i["invoice_id"] for i in invoices], "direct_payments": [dp_id]}
    run = await paying.proposed(stack, body, body["pay_early"], list(credit_notes))
    return await paying.approved_and_exported(stack, ledger, run, folder, name="next_four_weekly",
                                              remittances=remittances)
