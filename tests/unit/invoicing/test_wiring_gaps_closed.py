"""Rules the wiring showed were missing: a provider's invoice over weeks only partly confirmed, a
reopened dispute, a payment returned by the bank, and which period a scheduled run raises."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts.common import Cycle
from services.invoicing.domain.disputes import close_dispute, open_dispute
from services.invoicing.domain.errors import IllegalTransition
from services.invoicing.domain.facts import ConfirmedActuals
from services.invoicing.domain.holds import HoldCode, ValidationOutcome
from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.domain.lifecycle import mark_paid, record_outcome, return_payment, schedule, submit
from services.invoicing.domain.periods import Period, last_complete_period, period_starting, week_of
from services.invoicing.domain.provider_invoices import (ProviderInvoiceSubmission, SubmittedLine,
                                                         receive_provider_invoice)
from services.invoicing.domain.self_billing import build_self_bill
from services.invoicing.domain.validation import validate
from tests.unit.invoicing.invoicing_builders import (MONDAY, PROVIDER, actuals, context, daily_visits, day, home_care,
                                                     provider)

S = InvoiceStatus


def _two_weeks_invoiced_week_by_week():
    lines = (SubmittedLine("AGR-1", "P-1", 7 * 2400, week_commencing=MONDAY),
             SubmittedLine("AGR-1", "P-1", 7 * 2400, week_commencing=day(7)))
    return receive_provider_invoice(ProviderInvoiceSubmission(PROVIDER, "INV-1", day(15), lines))


def test_lines_in_an_unconfirmed_week_wait_while_lines_in_confirmed_weeks_are_checked():
    first_week_only = ConfirmedActuals("AGR-1", "P-1", Period(MONDAY, day(13)), daily_visits(week_of(MONDAY)),
                                       gaps=(week_of(day(7)),))
    outcome = validate(_two_weeks_invoiced_week_by_week(), context(home_care(), confirmed=(first_week_only,),
                                                                   commitments={"AGR-1": 40_000}))
    assert [(r.code, r.line_numbers) for r in outcome.reasons] == [(HoldCode.ACTUALS_NOT_CONFIRMED, (2,))]


def test_with_both_weeks_confirmed_the_same_invoice_is_approved():
    both = actuals(period=Period(MONDAY, day(13)))
    outcome = validate(_two_weeks_invoiced_week_by_week(), context(home_care(), confirmed=(both,),
                                                                   commitments={"AGR-1": 40_000}))
    assert outcome.approved


def _approved():
    invoice = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=day(8))
    return record_outcome(submit(invoice, by="run"), ValidationOutcome((), day(38)))


def test_a_query_reopened_disputes_the_invoice_again_and_both_spells_stop_the_clock():
    once = close_dispute(open_dispute(_approved(), query_ref="Q-1", opened_on=day(10), by="q"),
                         query_ref="Q-1", closed_on=day(12), by="q")
    twice = close_dispute(open_dispute(once, query_ref="Q-1", opened_on=day(20), by="q"),
                          query_ref="Q-1", closed_on=day(23), by="q")
    assert twice.status is S.APPROVED and twice.due_on == day(38) + timedelta(days=2 + 3)
    with pytest.raises(IllegalTransition, match="already disputes"):
        open_dispute(open_dispute(once, query_ref="Q-1", opened_on=day(20), by="q"), query_ref="Q-1",
                     opened_on=day(21), by="q")


def test_a_returned_payment_makes_the_invoice_payable_again_keeping_the_banks_reason():
    scheduled = schedule(_approved(), payment_run_id="RUN-1", by="payments")
    returned = return_payment(scheduled, payment_run_id="RUN-1", reason="account closed", returned_on=day(40),
                              by="payments")
    assert (returned.status, returned.payment_run_id, returned.due_on) == (S.APPROVED, None, day(38))
    assert [h.code for h in returned.holds] == [HoldCode.PAYMENT_RETURNED] and "account closed" in \
        returned.holds[0].message
    again = schedule(returned, payment_run_id="RUN-2", by="payments")
    assert again.holds == () and again.payment_run_id == "RUN-2"
    paid = mark_paid(schedule(_approved(), payment_run_id="RUN-1", by="p"), paid_on=day(40), by="p")
    assert return_payment(paid, payment_run_id="RUN-1", reason="returned late", returned_on=day(44),
                          by="p").paid_on is None


def test_only_a_scheduled_or_paid_invoice_can_have_its_payment_returned():
    with pytest.raises(IllegalTransition, match="cannot be returned unpaid"):
        return_payment(_approved(), payment_run_id="RUN-1", reason="x", returned_on=day(40), by="payments")


def test_a_period_starts_on_a_monday_and_a_four_weekly_one_on_the_first_monday_of_its_four_weeks():
    assert period_starting(MONDAY, Cycle.WEEKLY) == week_of(MONDAY)
    assert period_starting(MONDAY, Cycle.FOUR_WEEKLY) == Period(MONDAY, day(27))  # 2 Mar 2026 starts one
    assert period_starting(day(7), Cycle.FOUR_WEEKLY) is None
    assert period_starting(day(1), Cycle.WEEKLY) is None


def test_the_scheduled_run_raises_the_last_period_that_has_ended():
    assert last_complete_period(day(16), Cycle.WEEKLY) == week_of(day(7))
    assert last_complete_period(day(30), Cycle.FOUR_WEEKLY) == Period(MONDAY, day(27))
    assert last_complete_period(date(2026, 3, 29), Cycle.FOUR_WEEKLY) == Period(date(2026, 2, 2), date(2026, 3, 1))
