"""A disputed invoice is held and leaves the 30-day clock; when the dispute closes it continues from
where it was, its due date moved by the days in dispute (closed on - opened on)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.invoicing.domain.disputes import close_dispute, open_dispute
from services.invoicing.domain.errors import IllegalTransition
from services.invoicing.domain.holds import HoldCode, HoldReason, ValidationOutcome
from services.invoicing.domain.invoice import Dispute, InvoiceStatus
from services.invoicing.domain.lifecycle import record_outcome, recheck, release, schedule, submit
from services.invoicing.domain.payment_terms import disputed_days, due_date, valid_on
from services.invoicing.domain.self_billing import build_self_bill
from tests.unit.invoicing.invoicing_builders import actuals, day, home_care, provider

S = InvoiceStatus
RECEIVED = day(8)  # Tuesday 10 March 2026


def approved():
    invoice = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=RECEIVED)
    return record_outcome(submit(invoice, by="run"), ValidationOutcome((), due_date(RECEIVED, 30)))


def test_an_undisputed_invoice_is_due_30_days_after_it_was_received():
    assert due_date(RECEIVED, 30) == RECEIVED + timedelta(days=30)


def test_days_in_dispute_are_added_to_the_due_date():
    ten_days = Dispute("Q-1", RECEIVED + timedelta(days=5), RECEIVED + timedelta(days=15))
    assert due_date(RECEIVED, 30, [ten_days]) == RECEIVED + timedelta(days=40)
    assert valid_on(RECEIVED, [ten_days]) == RECEIVED + timedelta(days=10)  # the clock starts 10 days late


def test_overlapping_disputes_count_each_day_once():
    disputes = [Dispute("Q-1", day(10), day(20)), Dispute("Q-2", day(15), day(25)), Dispute("Q-3", day(30), day(31))]
    assert disputed_days(disputes) == 15 + 1


def test_an_invoice_still_in_dispute_has_no_due_date():
    with pytest.raises(ValueError, match="no due date until the dispute closes"):
        due_date(RECEIVED, 30, [Dispute("Q-1", day(10))])


def test_a_disputed_approved_invoice_is_held_and_off_the_clock():
    disputed = open_dispute(approved(), query_ref="Q-1", opened_on=day(13), by="queries")
    assert (disputed.status, disputed.due_on, disputed.resumes_as) == (S.HELD, None, S.APPROVED)
    assert [h.code for h in disputed.holds] == [HoldCode.DISPUTED]
    assert "do not count towards the payment date" in disputed.holds[0].message


def test_when_the_dispute_closes_the_invoice_is_approved_again_due_later_by_the_disputed_days():
    disputed = open_dispute(approved(), query_ref="Q-1", opened_on=day(13), by="queries")
    closed = close_dispute(disputed, query_ref="Q-1", closed_on=day(20), by="queries")
    assert (closed.status, closed.holds, closed.resumes_as) == (S.APPROVED, (), None)
    assert closed.due_on == RECEIVED + timedelta(days=30 + 7)


def test_a_dispute_of_an_invoice_in_a_payment_run_takes_it_out_of_the_run():
    scheduled = schedule(approved(), payment_run_id="RUN-1", by="payments")
    disputed = open_dispute(scheduled, query_ref="Q-1", opened_on=day(13), by="queries")
    assert disputed.payment_run_id is None
    assert close_dispute(disputed, query_ref="Q-1", closed_on=day(14), by="queries").status is S.APPROVED


def test_a_held_invoice_disputed_returns_to_held_for_its_other_reasons():
    amount = HoldReason(HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS, "Line 1 ...", (1,))
    invoice = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=RECEIVED)
    on_hold = record_outcome(submit(invoice, by="run"), ValidationOutcome((amount,)))
    disputed = open_dispute(on_hold, query_ref="Q-1", opened_on=day(9), by="queries")
    assert [h.code for h in disputed.holds] == [HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS, HoldCode.DISPUTED]
    with pytest.raises(IllegalTransition, match="disputed by query Q-1"):
        recheck(disputed, by="x", why="actuals changed")
    with pytest.raises(IllegalTransition, match="disputed, which an officer cannot release"):
        release(disputed, by="officer", why="fine")
    closed = close_dispute(disputed, query_ref="Q-1", closed_on=day(12), by="queries")
    assert (closed.status, closed.holds) == (S.HELD, (amount,))
    released = release(closed, by="officer", why="provider's evidence accepted")
    assert released.due_on == RECEIVED + timedelta(days=30 + 3)


def test_with_two_disputes_the_invoice_stays_held_until_both_close():
    one = open_dispute(approved(), query_ref="Q-1", opened_on=day(10), by="queries")
    two = open_dispute(one, query_ref="Q-2", opened_on=day(12), by="queries")
    first_closed = close_dispute(two, query_ref="Q-1", closed_on=day(14), by="queries")
    assert first_closed.status is S.HELD and [h.reference for h in first_closed.holds] == ["Q-2"]
    both = close_dispute(first_closed, query_ref="Q-2", closed_on=day(16), by="queries")
    assert both.status is S.APPROVED and both.due_on == RECEIVED + timedelta(days=30 + 6)


def test_closing_a_dispute_that_is_not_open_is_refused():
    disputed = open_dispute(approved(), query_ref="Q-1", opened_on=day(10), by="queries")
    with pytest.raises(IllegalTransition, match="Q-9 has no open dispute"):
        close_dispute(disputed, query_ref="Q-9", closed_on=day(12), by="queries")
    with pytest.raises(IllegalTransition, match="already disputes"):
        open_dispute(disputed, query_ref="Q-1", opened_on=day(11), by="queries")
