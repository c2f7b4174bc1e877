"""An invoice moves draft -> validating -> held | approved -> scheduled -> paid, or void; every
step says who and why, and a step the state does not allow is refused saying what can be done."""
from __future__ import annotations

import pytest

from services.invoicing.domain.errors import IllegalTransition, InvalidInvoiceInput
from services.invoicing.domain.holds import HoldCode, HoldReason, ValidationOutcome
from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.domain.lifecycle import (mark_paid, recheck, record_outcome, reject, release, schedule,
                                                 submit, void)
from services.invoicing.domain.self_billing import build_self_bill
from tests.unit.invoicing.invoicing_builders import actuals, day, home_care, provider

S = InvoiceStatus
AMOUNT = HoldReason(HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS, "Line 1 claims ...", (1,))
DUPLICATE = HoldReason(HoldCode.PERIOD_ALREADY_INVOICED, "Lines 1–7 ...", reference="INV-7")


def draft():
    return build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=day(8),
                           invoice_id="inv-1")


def approved():
    return record_outcome(submit(draft(), by="self-billing run"), ValidationOutcome((), day(38)))


def held(*reasons):
    return record_outcome(submit(draft(), by="self-billing run"), ValidationOutcome(reasons or (AMOUNT,)))


def test_an_invoice_is_a_draft_until_validated():
    assert draft().status is S.DRAFT and draft().history == ()
    assert submit(draft(), by="self-billing run").status is S.VALIDATING


def test_validation_approves_with_the_due_date_or_holds_with_every_reason():
    assert (approved().status, approved().due_on, approved().holds) == (S.APPROVED, day(38), ())
    on_hold = held(AMOUNT, DUPLICATE)
    assert on_hold.status is S.HELD and on_hold.holds == (AMOUNT, DUPLICATE) and on_hold.due_on is None
    assert on_hold.history[-1].why == "held: amount_differs_from_actuals, period_already_invoiced"


def test_an_approved_outcome_without_a_due_date_is_a_fault():
    with pytest.raises(ValueError, match="due date"):
        record_outcome(submit(draft(), by="x"), ValidationOutcome(()))


def test_an_approved_invoice_is_scheduled_in_a_payment_run_then_paid():
    paid = mark_paid(schedule(approved(), payment_run_id="RUN-9", by="payments"), paid_on=day(20), by="payments")
    assert (paid.status, paid.payment_run_id, paid.paid_on) == (S.PAID, "RUN-9", day(20))
    assert [(h.action, h.before, h.after, h.by) for h in paid.history] == [
        ("submit", S.DRAFT, S.VALIDATING, "self-billing run"), ("record_outcome", S.VALIDATING, S.APPROVED,
                                                                 "validation"),
        ("schedule", S.APPROVED, S.SCHEDULED, "payments"), ("mark_paid", S.SCHEDULED, S.PAID, "payments")]


def test_an_officer_releases_a_held_invoice_with_a_reason_and_it_is_due_30_days_from_receipt():
    released = release(held(), by="officer-1", why="agreed with the provider by phone")
    assert (released.status, released.due_on, released.holds) == (S.APPROVED, day(38), ())
    assert (released.history[-1].by, released.history[-1].why) == ("officer-1", "agreed with the provider by phone")


def test_a_release_needs_a_reason():
    with pytest.raises(InvalidInvoiceInput, match="reason"):
        release(held(), by="officer-1", why="  ")


def test_a_duplicate_is_never_released_by_an_officer():
    with pytest.raises(IllegalTransition, match="period_already_invoiced, which an officer cannot release"):
        release(held(AMOUNT, DUPLICATE), by="officer-1", why="looks fine")


def test_a_rejected_invoice_is_kept_as_void_with_the_reason():
    rejected = reject(held(AMOUNT, DUPLICATE), by="officer-1", why="duplicate of SB-PRV-1-000007")
    assert rejected.status is S.VOID and rejected.history[-1].why == "duplicate of SB-PRV-1-000007"


def test_a_held_invoice_is_checked_again_from_validating():
    again = recheck(held(), by="actuals confirmed", why="actuals for the week were confirmed")
    assert again.status is S.VALIDATING and again.holds == ()


def test_an_approved_invoice_cannot_be_released_or_rejected():
    with pytest.raises(IllegalTransition, match="is approved, so it cannot be released; from approved it can be"
                                                " scheduled for payment, voided, disputed"):
        release(approved(), by="officer-1", why="x")


def test_a_paid_invoice_is_final_and_corrected_by_credit_note_or_supplementary():
    paid = mark_paid(schedule(approved(), payment_run_id="RUN-9", by="p"), paid_on=day(20), by="p")
    with pytest.raises(IllegalTransition, match="paid, which is final.*credit note or supplementary"):
        void(paid, by="officer-1", why="wrong")


def test_an_invoice_in_a_payment_run_is_not_voided_until_the_run_drops_it():
    with pytest.raises(IllegalTransition, match="payment run RUN-9"):
        void(schedule(approved(), payment_run_id="RUN-9", by="p"), by="officer-1", why="wrong provider")


def test_drafts_held_and_approved_invoices_can_be_voided_with_a_reason():
    for invoice in (draft(), held(), approved()):
        assert void(invoice, by="officer-1", why="raised in error").status is S.VOID


def test_a_draft_cannot_skip_validation():
    with pytest.raises(IllegalTransition, match="draft, so it cannot be scheduled"):
        schedule(draft(), payment_run_id="RUN-1", by="payments")


def test_refusals_are_the_shared_ones_the_runtime_answers_409_and_422():
    from shared.errors import IllegalState, RuleBroken
    with pytest.raises(IllegalState):
        schedule(draft(), payment_run_id="RUN-1", by="payments")
    with pytest.raises(RuleBroken):
        release(held(), by="officer-1", why="")
