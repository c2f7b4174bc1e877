"""A provider disputes its invoice: it is held and left out of the payment run; the officer resolves
with a credit note, which invoicing issues and the query links; the corrected invoice is paid in the
following run, and the prompt-payment report counts its days from receipt and from becoming undisputed."""
from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import auth, eventually
from tests.integration.invoicing.invoicing_helpers import invoice
from tests.integration.payments.payments_helpers import (FINANCE, approved_and_exported, invoice_state, payment_of,
                                                         propose, wait_for_payee, working_day_after)
from tests.integration.queries.queries_helpers import (effect_settled, raise_query, self_billed_invoice, shown, step,
                                                       under_investigation)

pytestmark = pytest.mark.stack
CREDIT = 1_200  # £12.00 of the £72.00 self-bill was charged in error


async def payments_sees(http, base: str, invoice_id: str, **expected) -> dict:
    async def seen():
        state = await invoice_state(http, base, invoice_id)
        return state if state and all(state.get(k) == v for k, v in expected.items()) else None
    return await eventually(seen, timeout=60, what=f"payments to see {invoice_id} with {expected}")


async def test_a_disputed_invoice_is_left_out_until_resolved_then_paid_net_of_its_credit_note(
        http, stack, db, producer, tail):
    queries, payments = stack["queries"], stack["payments"]
    pid, _, invoice_id = await self_billed_invoice(producer, db, tail)
    await wait_for_payee(http, payments, pid, "verified")
    await payments_sees(http, payments, invoice_id, state="approved", disputed=False)
    as_provider = auth("provider", provider=pid)

    raised = await raise_query(http, queries, as_provider, "invoice", invoice_id, "wrong_charge",
                               disputes_invoice=True, description="Tuesday's visit is charged twice.")
    assert raised.status_code == 201, raised.text
    query_id = raised.json()["query_id"]
    # invoicing holds it (InvoiceHeld, disputed) and payments records the dispute.
    await payments_sees(http, payments, invoice_id, disputed=True, state="held")
    held = await invoice(http, stack["invoicing"], invoice_id)
    assert held["status"] == "held" and [d["query_id"] for d in held["disputes"]] == [query_id]

    pay_date = working_day_after(7)
    run = {"pay_date": pay_date, "kind": "ad_hoc", "providers": [pid], "pay_early": [invoice_id]}
    first = await propose(http, payments, run)
    assert first["payments"] == []  # asked to pay it early, the run still leaves the disputed invoice out
    assert all(e["reason"] in ("disputed", "on_hold") for e in first["exclusions"] if e["subject"] == invoice_id)

    await under_investigation(http, queries, query_id)
    resolved = await step(http, queries, query_id, "resolve", body={
        "outcome": {"kind": "credit_note", "amount_pence": CREDIT}, "summary": "Tuesday was charged twice."})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["effect"]["status"] == "pending"
    query = await effect_settled(http, queries, query_id)
    effect = query["effect"]
    assert effect["status"] == "completed" and effect["kind"] == "credit_note"
    credit_note = await invoice(http, stack["invoicing"], effect["result_ref"])
    assert (credit_note["kind"], credit_note["total_pence"], credit_note["corrects_invoice_id"]) == (
        "credit_note", CREDIT, invoice_id)
    assert [h["action"] for h in query["history"]][-2:] == ["resolve", "effect_completed"]

    await payments_sees(http, payments, invoice_id, disputed=False, state="approved", revision=2)
    again = await eventually(lambda: _netted(http, payments, run, pid), timeout=60,
                             what="the credit note netted in the next run")
    await approved_and_exported(http, payments, again["run_id"])
    reference = payment_of(again, pid)["payment_reference"]
    confirmed = await http.post(f"{payments}/payment-runs/{again['run_id']}/confirmations",
                                headers={**auth("finance_officer"), "Content-Type": "text/csv"},
                                content=f"payment_reference,status,reason\n{reference},paid,\n".encode())
    assert confirmed.status_code == 200, confirmed.text

    paid = await invoice(http, stack["invoicing"], invoice_id)
    received_on = date.fromisoformat(paid["received_on"])
    report = (await http.get(f"{payments}/reports/prompt-payment", headers=FINANCE, params={
        "from": pay_date.isoformat(), "to": pay_date.isoformat(), "provider_id": pid})).json()
    [by_provider] = report["by_provider"]
    days = (pay_date - received_on).days
    assert (by_provider["invoices_paid"], by_provider["value_paid_pence"]) == (1, 7_200 - CREDIT)
    assert by_provider["average_days_to_pay"] == days
    # The dispute opened and closed on the day of receipt, so the clock from "valid" counts the same days.
    assert by_provider["paid_within_30_days_pct"] == (100.0 if days <= 30 else 0.0)

    closed = await step(http, queries, query_id, "close", headers=as_provider)
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text
    rated = await step(http, queries, query_id, "rate", headers=as_provider, body={"rating": 5})
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    assert (await shown(http, queries, query_id, as_provider))["effect"]["result_ref"] == effect["result_ref"]


async def _netted(http, base: str, run: dict, pid: str) -> dict | None:
    proposed = await propose(http, base, run)
    payments = [p for p in proposed["payments"] if p["payee_id"] == pid]
    return proposed if payments and payments[0]["amount_pence"] == 7_200 - CREDIT else None
