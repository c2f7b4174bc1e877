"""What the bank reports back: a paid payment settles its invoices (InvoicePaid); a returned one is
recorded pending (alert) and, once a different finance approver approves it, is returned (PaymentReturned,
metric) and its invoices held; they are payable again once a hold release is recorded and approved by
two people."""
from __future__ import annotations

import pytest

from contracts import invoicing
from shared.settings import REPO_ROOT
from tests.conftest import auth, eventually, unique
from tests.integration.payments.payments_helpers import (approve_invoices, approved, approved_and_exported, events_of,
                                                         invoice_state, payee, payment_of, propose, send,
                                                         working_day_after)

pytestmark = pytest.mark.stack


def returned_total(metrics: str) -> float:
    return sum(float(ln.split()[1]) for ln in metrics.splitlines()
               if ln.startswith('carepay_payments_returned_total{payee_kind="provider"'))


async def upload(http, base, run_id: str, text: str):
    return await http.post(f"{base}/payment-runs/{run_id}/confirmations", content=text.encode(),
                           headers={**auth("finance_officer"), "Content-Type": "text/csv"})


async def test_returned_payment_makes_its_invoices_payable_again_and_alerts_finance(http, stack, producer, tail):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one, two = await payee(producer, http, base), await payee(producer, http, base)
    paid, bounced = approved(one.provider_id, 30_000, due=pay_date), approved(two.provider_id, 45_000, due=pay_date)
    await approve_invoices(producer, http, base, paid, bounced)
    scope = {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id, two.provider_id]}
    run = await propose(http, base, scope)
    run_id = run["run_id"]
    not_exported = await upload(http, base, run_id, "payment_reference,status,reason\n")
    assert not_exported.status_code == 409
    await approved_and_exported(http, base, run_id)
    ref_one, ref_two = payment_of(run, one.provider_id)["payment_reference"], payment_of(
        run, two.provider_id)["payment_reference"]

    bad = await upload(http, base, run_id, f"payment_reference,status,reason\n{ref_one},paid,\n{ref_two},returned,\n")
    assert bad.status_code == 422 and bad.json()["code"] == "confirmation_rows_invalid"
    [problem] = bad.json()["errors"]
    assert (problem["row"], problem["column"]) == (3, "reason") and "bank's reason" in problem["msg"]
    assert (await invoice_state(http, base, paid.invoice_id))["paid_by"]["outcome"] == "instructed"

    before = returned_total((await http.get(f"{base}/metrics")).text)
    async with tail("payments.events") as events:
        done = await upload(http, base, run_id,
                            f"payment_reference,status,reason\n{ref_one},paid,\n{ref_two},returned,account closed\n")
        assert done.status_code == 200, done.text
        assert done.json()["paid"] == [ref_one]
        [pending] = done.json()["returns_pending"]
        assert pending["payment_reference"] == ref_two
        # Recorded, not yet returned: nothing moves until a second person approves it.
        not_yet = await invoice_state(http, base, bounced.invoice_id)
        assert not_yet["return_hold"] is None and not_yet["paid_by"]["outcome"] == "instructed"
        assert returned_total((await http.get(f"{base}/metrics")).text) == before
        officer = await http.post(f"{base}/payment-returns/{pending['return_id']}/approve",
                                  headers=auth("finance_officer"))
        assert officer.status_code == 403
        confirmed = await http.post(f"{base}/payment-returns/{pending['return_id']}/approve",
                                    headers=auth("finance_approver"))
        assert confirmed.status_code == 200, confirmed.text
        seen = await events.wait_for(lambda r: r.key in (paid.invoice_id.encode(), two.provider_id.encode()), count=2)
    [invoice_paid] = events_of(seen, "InvoicePaid", paid.invoice_id)
    payload = invoice_paid["payload"]
    assert (payload["paid_on"], payload["amount_pence"], payload["run_id"]) == (pay_date.isoformat(), 30_000, run_id)
    [returned] = events_of(seen, "PaymentReturned", two.provider_id)
    assert returned["payload"]["invoice_ids"] == [bounced.invoice_id]
    assert returned["payload"]["reason"] == "account closed"
    assert returned_total((await http.get(f"{base}/metrics")).text) == before + 1
    log = (REPO_ROOT / ".local" / "logs" / "payments.log").read_text(errors="replace")
    assert f'"payment_reference": "{ref_two}"' in log and "FINANCE ALERT" in log

    again = await upload(http, base, run_id, f"payment_reference,status,reason\n{ref_one},paid,\n")
    assert again.json() == {"run_id": run_id, "paid": [], "returns_pending": [], "already_recorded": 1,
                            "columns": {"mapped": ["payment_reference", "status", "reason"], "ignored": []}}

    held = await invoice_state(http, base, bounced.invoice_id)
    assert held["paid_by"] is None and "account closed" in held["return_hold"]
    next_run = await propose(http, base, scope)
    [on_hold] = [e for e in next_run["exclusions"] if e["subject"] == bounced.invoice_id]
    assert on_hold["reason"] == "on_hold" and "account closed" in on_hold["detail"]
    assert all(paid.invoice_id not in [ln["line_id"] for ln in p["lines"]] for p in next_run["payments"])

    recorder = unique("u-release-maker")
    asked = await http.post(f"{base}/invoices/{bounced.invoice_id}/release-hold",
                            json={"reason": "provider confirmed its new account"},
                            headers=auth("finance_approver", subject=recorder))
    assert asked.status_code == 202, asked.text
    release_id = asked.json()["release_id"]
    assert (asked.json()["status"], asked.json()["released"]) == ("pending", False)
    assert "account closed" in (await invoice_state(http, base, bounced.invoice_id))["return_hold"]
    same = await http.post(f"{base}/hold-releases/{release_id}/approve",
                           headers=auth("finance_approver", subject=recorder))
    assert same.status_code == 403 and "cannot also approve it" in same.text
    released = await http.post(f"{base}/hold-releases/{release_id}/approve", headers=auth("finance_approver"))
    assert released.status_code == 200, released.text
    assert (released.json()["status"], released.json()["released"]) == ("approved", True)
    payable_again = await propose(http, base, scope)
    assert payment_of(payable_again, two.provider_id)["amount_pence"] == 45_000


async def test_credit_note_on_a_paid_invoice_is_netted_against_the_providers_next_payment(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    first = approved(one.provider_id, 20_000, due=pay_date)
    await approve_invoices(producer, http, base, first)
    scope = {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]}
    run = await propose(http, base, scope)
    await approved_and_exported(http, base, run["run_id"])

    note = unique("CN-PAY")
    await send(producer, invoicing.CreditNoteIssued(
        invoice_id=note, provider_id=one.provider_id, number=note, kind="credit_note", agreement_ids=[],
        person_refs=["P-1"], period_start=first.period_start, period_end=first.period_end, total_pence=1_500,
        line_count=1, corrects_invoice_id=first.invoice_id))
    later = approved(one.provider_id, 10_000, due=pay_date)
    await approve_invoices(producer, http, base, later)

    async def netted():
        proposed = await propose(http, base, scope)
        lines = [(ln["line_id"], ln["amount_pence"]) for p in proposed["payments"] for ln in p["lines"]]
        return lines == [(later.invoice_id, 10_000), (note, -1_500)] and proposed
    proposed = await eventually(netted, what="the credit note netted against the next payment")
    assert proposed["totals"]["payments_pence"] == 8_500
