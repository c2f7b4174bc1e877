"""What a run leaves out, always with a reason finance can see: unverified bank details, disputes,
days after an agreement's end, credits that exceed what is owed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import invoicing, payee_accounts
from tests.conftest import eventually, unique
from tests.integration.payments.payments_helpers import (BANK_MAKER, FINANCE, agreement_ended, approve,
                                                         approve_invoices, approved, dispute, invoice_state, payee,
                                                         propose, send, working_day_after)

pytestmark = pytest.mark.stack


def exclusion(run: dict, subject: str) -> dict:
    [found] = [e for e in run["exclusions"] if e["subject"] == subject]
    return found


async def test_provider_whose_first_bank_details_await_verification_is_left_out(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    held = await payee(producer, http, base, verified=False)
    invoice = approved(held.provider_id, 12_345, due=pay_date)
    await approve_invoices(producer, http, base, invoice)
    run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [held.provider_id]})
    assert run["payments"] == []
    left_out = exclusion(run, held.provider_id)
    assert left_out["reason"] == "no_bank_details" and left_out["settles"] == [invoice.invoice_id]


async def test_bank_details_changed_after_verification_hold_the_provider_and_block_approval(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    invoice = approved(one.provider_id, 20_000, due=pay_date)
    await approve_invoices(producer, http, base, invoice)
    run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]})
    assert run["totals"]["payments_pence"] == 20_000

    # Payments holds on the change it hears of on agreements.payee-accounts (with the entered account's fingerprint).
    await send(producer, payee_accounts.PayeeBankDetailsEntered(
        provider_id=one.provider_id, change_id=unique("BDC"), account_fingerprint="0" * 64), actor=BANK_MAKER)

    async def held():
        return (await http.get(f"{base}/payees/{one.provider_id}", headers=FINANCE)).json()["bank_status"] == "held"
    await eventually(held, what="payments to hold the provider")
    refused = await approve(http, base, run["run_id"])
    assert refused.status_code == 409 and one.provider_id in refused.text and "not verified" in refused.text
    again = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]})
    left_out = exclusion(again, one.provider_id)
    assert left_out["reason"] == "unverified_bank_details" and "£200.00" in left_out["detail"]


async def test_disputed_invoice_is_left_out_until_the_dispute_closes(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    disputed, fine = approved(one.provider_id, 7_000, due=pay_date), approved(one.provider_id, 3_000, due=pay_date)
    await approve_invoices(producer, http, base, disputed, fine)
    query_id = await dispute(producer, http, base, disputed)
    run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]})
    assert [ln["line_id"] for p in run["payments"] for ln in p["lines"]] == [fine.invoice_id]
    assert exclusion(run, disputed.invoice_id)["reason"] == "disputed"

    await dispute(producer, http, base, disputed, open_=False, query_id=query_id)
    after = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]})
    assert after["totals"]["payments_pence"] == 10_000


async def test_nothing_is_paid_for_days_after_an_agreements_end(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    agreement_id = unique("AGR-PAY")
    invoice = approved(one.provider_id, 8_000, due=pay_date, agreement_ids=[agreement_id])
    start = invoice.period_start - timedelta(days=60)
    within = approved(one.provider_id, 1_000, due=pay_date, last_payable_date=invoice.period_end)
    beyond = approved(one.provider_id, 2_000, due=pay_date, last_payable_date=invoice.period_end - timedelta(days=1))
    await approve_invoices(producer, http, base, invoice, within, beyond)
    run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]})
    assert run["totals"]["payments_pence"] == 9_000
    assert exclusion(run, beyond.invoice_id)["reason"] == "after_agreement_end"

    # The agreement ends (back-dated) after the run was proposed: the database refuses to approve it.
    await send(producer, agreement_ended(agreement_id, one.provider_id, start, invoice.period_end - timedelta(days=3)))

    scope = {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]}

    async def ended():
        again = await propose(http, base, scope)
        reasons = {e["subject"]: e["reason"] for e in again["exclusions"]}
        return reasons.get(invoice.invoice_id) == "after_agreement_end" and again
    again = await eventually(ended, what="payments to hear the agreement ended")
    refused = await approve(http, base, run["run_id"])
    assert refused.status_code == 409
    assert invoice.invoice_id in refused.text and "after their agreement ended" in refused.text
    assert exclusion(again, invoice.invoice_id)["reason"] == "after_agreement_end"


async def test_credits_larger_than_what_is_owed_are_carried_forward_not_paid(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    invoice = approved(one.provider_id, 5_000, due=pay_date)
    await approve_invoices(producer, http, base, invoice)
    note = unique("CN-PAY")
    await send(producer, invoicing.CreditNoteIssued(
        invoice_id=note, provider_id=one.provider_id, number=note, kind="credit_note", agreement_ids=[],
        person_refs=["P-1"], period_start=invoice.period_start, period_end=invoice.period_end, total_pence=6_000,
        line_count=1, corrects_invoice_id=invoice.invoice_id))

    async def netted():
        run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]})
        return run["payments"] == [] and run
    run = await eventually(netted, what="the credit note netted against its invoice")
    carried = exclusion(run, one.provider_id)
    assert carried["reason"] == "net_negative_carried_forward" and carried["amount_pence"] == -1_000


async def test_held_and_voided_invoices_are_not_paid_and_the_latest_approval_replaces_earlier_ones(
        http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    revised, voided = approved(one.provider_id, 4_000, due=pay_date), approved(one.provider_id, 9_000, due=pay_date)
    await approve_invoices(producer, http, base, revised, voided)
    await send(producer, invoicing.InvoiceHeld(invoice_id=revised.invoice_id, provider_id=one.provider_id, reasons=[
        invoicing.HoldReasonOut(code="late_ecm", message="visits corrected after approval")]))
    await send(producer, invoicing.InvoiceVoided(invoice_id=voided.invoice_id, provider_id=one.provider_id,
                                                 reason="duplicate"))

    async def unpayable():
        states = [(await invoice_state(http, base, i.invoice_id))["state"] for i in (revised, voided)]
        return states == ["held", "voided"]
    await eventually(unpayable, what="the hold and the void seen by payments")
    scope = {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]}
    assert (await propose(http, base, scope))["payments"] == []

    await approve_invoices(producer, http, base, revised.model_copy(update={"revision": 2, "amount_pence": 4_400}))
    run = await propose(http, base, scope)
    assert [(ln["line_id"], ln["amount_pence"]) for p in run["payments"] for ln in p["lines"]] == [
        (revised.invoice_id, 4_400)]
