"""An invoice is bounded by the commitment in force on each day it pays for (the agreement's weekly cost by
business date), not by today's weekly figure; InvoiceApproved names the days each agreement is charged for,
with that agreement's end and cost centre (announced payable to an end: each period's days up to its own
agreement's end, its amount still the lines' full amount)."""
from __future__ import annotations

from dataclasses import replace

from contracts import agreements as ag
from contracts.common import Cycle, PaymentBasis, ServiceType
from services.invoicing.domain.agreement_facts import agreement_on_file, commitment_on_file
from services.invoicing.domain.checks_amounts import within_safety_bound
from services.invoicing.domain.commitments import CommitmentOnFile, RateFrom, commitment_for_period
from services.invoicing.domain.facts import Suspension
from services.invoicing.domain.holds import ValidationOutcome
from services.invoicing.domain.invoice import InvoiceLine
from services.invoicing.domain.lifecycle import record_outcome, submit
from services.invoicing.domain.payment_terms import due_date
from services.invoicing.domain.periods import Period
from services.invoicing.domain.self_billing import build_self_bill
from services.invoicing.events import approved_event, outcome_events
from services.invoicing.store.invoices import Filed
from tests.unit.invoicing.invoicing_builders import MONDAY, WEEK, actuals, context, day, home_care, provider

THURSDAY = day(3)


def test_a_variation_mid_week_bounds_each_day_at_the_rate_in_force_that_day():
    varied = CommitmentOnFile(14_000, (RateFrom(MONDAY, 7_000), RateFrom(THURSDAY, 14_000)))
    # Monday to Wednesday at £70 a week, Thursday to Sunday at £140: 3 x £10 + 4 x £20.
    assert commitment_for_period(varied, home_care(), WEEK) == 11_000
    # The whole weeks an invoice touches: one visit on the Tuesday is bounded by the same week.
    assert commitment_for_period(varied, home_care(), Period(day(1), day(1))) == 11_000
    # A later week is all at the new rate, not today's figure: the figure is only the fallback.
    assert commitment_for_period(CommitmentOnFile(0, varied.rates), home_care(), Period(day(7), day(13))) == 14_000


def test_the_bound_is_rounded_once_over_the_days_not_day_by_day():
    odd = CommitmentOnFile(10_001, (RateFrom(MONDAY, 10_001),))
    assert commitment_for_period(odd, home_care(), WEEK) == 10_001  # 7 x 1,428.71p rounded per day would be 10,003


def test_a_suspension_later_than_the_invoice_leaves_the_invoices_week_bounded_by_its_rate():
    suspended_later = replace(home_care(), suspensions=(Suspension(day(7)),))  # from the next Monday
    now_nothing = CommitmentOnFile(0, (RateFrom(MONDAY, 16_800),))  # weekly £0 since the suspension
    assert commitment_for_period(now_nothing, suspended_later, WEEK) == 16_800
    assert commitment_for_period(now_nothing, suspended_later, Period(day(7), day(13))) == 0
    week_of_visits = actuals(suspended_later)  # 7 x £24.00 = £168.00
    bound = {"AGR-1": commitment_for_period(now_nothing, suspended_later, WEEK)}
    invoice = build_self_bill(suspended_later, week_of_visits, provider(), number="SB-PRV-1-000001", issued_on=day(20))
    assert within_safety_bound(invoice, context(suspended_later, confirmed=[week_of_visits], commitments=bound)) == []


def test_with_no_rates_known_every_day_takes_the_last_weekly_figure():
    old = CommitmentOnFile(7_000)
    assert old.weekly_on(MONDAY) == 7_000
    assert commitment_for_period(old, home_care(start=THURSDAY), WEEK) == 4_000
    suspended_later = replace(home_care(), suspensions=(Suspension(day(7)),))
    assert commitment_for_period(CommitmentOnFile(0), suspended_later, WEEK) == 0  # what an old event can say


def test_a_day_before_the_first_rate_takes_the_first_and_rates_are_read_in_date_order():
    unordered = CommitmentOnFile(9_000, (RateFrom(day(7), 9_000), RateFrom(day(2), 7_000)))
    assert [r.from_date for r in unordered.rates] == [day(2), day(7)]
    assert (unordered.weekly_on(MONDAY), unordered.weekly_on(day(6)), unordered.weekly_on(day(8))) == (7_000, 7_000,
                                                                                                         9_000)


def test_a_commitment_line_is_kept_with_its_rates_and_an_agreement_with_its_cost_centre():
    line = ag.CommitmentLine(agreement_id="AGR-1", kind="agreement", service_type=ServiceType.HOME_CARE,
                             weekly_pence=0, annual_pence=0,
                             rates=[ag.WeeklyRate(from_date=MONDAY, weekly_pence=7_000),
                                    ag.WeeklyRate(from_date=THURSDAY, weekly_pence=14_000)])
    assert commitment_on_file(line) == CommitmentOnFile(0, (RateFrom(MONDAY, 7_000), RateFrom(THURSDAY, 14_000)))
    terms = ag.AgreementTerms(version=1, effective_from=MONDAY, rates=[ag.Rate(unit="hour", amount_pence=2400)])
    event = ag.AgreementActivated(agreement_id="AGR-1", person_ref="P-1", provider_id="PRV-1",
                                  service_type=ServiceType.HOME_CARE, payment_basis=PaymentBasis.ACTUALS,
                                  cycle=Cycle.WEEKLY, start=MONDAY, terms=[terms], cost_centre="ASC-NORTH")
    assert agreement_on_file(event).cost_centre == "ASC-NORTH"
    assert agreement_on_file(event.model_copy(update={"cost_centre": None})).cost_centre is None


def test_an_approved_invoice_names_the_days_each_agreement_is_charged_with_its_end_and_cost_centre():
    first = replace(home_care("AGR-1"), cost_centre="ASC-NORTH")
    second = replace(home_care("AGR-2", "P-2", end=day(2)), cost_centre="ASC-SOUTH")
    lines = (InvoiceLine(1, "AGR-1", "P-1", day(1), day(1), 2_400),
             InvoiceLine(2, "AGR-2", "P-2", MONDAY, MONDAY, 2_400),
             InvoiceLine(3, "AGR-1", "P-1", day(5), day(5), 4_800),
             InvoiceLine(4, "AGR-2", "P-2", day(2), day(2), 1_200),
             InvoiceLine(5, "AGR-3", "P-3", day(4), day(6), 3_000))
    invoice = replace(build_self_bill(first, actuals(first), provider(), number="SB-PRV-1-000001", issued_on=day(8)),
                      lines=lines)
    approved = record_outcome(submit(invoice, by="t"), ValidationOutcome((), due_date(day(8), 30)))
    [event] = outcome_events(Filed(approved, "json", approval_revision=1), None, {"AGR-1": first, "AGR-2": second})
    assert [(p.agreement_id, p.first_day, p.last_day, p.amount_pence, p.last_payable_date, p.cost_centre)
            for p in event.agreement_periods] == [
        ("AGR-1", day(1), day(5), 7_200, None, "ASC-NORTH"),
        ("AGR-2", MONDAY, day(2), 3_600, day(2), "ASC-SOUTH"),
        ("AGR-3", day(4), day(6), 3_000, None, None)]  # not on file: its end and cost centre unknown
    assert sum(p.amount_pence for p in event.agreement_periods) == event.amount_pence


def test_an_invoice_announced_payable_to_an_end_stops_each_agreement_s_days_at_its_own_end():
    open_ended = replace(home_care("AGR-1"), cost_centre="ASC-NORTH")
    died = replace(home_care("AGR-2", "P-2", end=day(2)), cost_centre="ASC-SOUTH")
    ended_before = replace(home_care("AGR-4", "P-4", end=day(1)), cost_centre="ASC-EAST")
    lines = (InvoiceLine(1, "AGR-1", "P-1", MONDAY, day(6), 7_000),
             InvoiceLine(2, "AGR-2", "P-2", MONDAY, day(1), 2_000),
             InvoiceLine(3, "AGR-2", "P-2", day(3), day(6), 4_000),  # after the death: the credit note's
             InvoiceLine(4, "AGR-3", "P-3", day(4), day(6), 3_000),
             InvoiceLine(5, "AGR-4", "P-4", day(3), day(5), 1_500))  # wholly after its end
    invoice = replace(build_self_bill(open_ended, actuals(open_ended), provider(), number="SB-PRV-1-000002",
                                      issued_on=day(8)), lines=lines)
    filed = Filed(record_outcome(submit(invoice, by="t"), ValidationOutcome((), due_date(day(8), 30))), "json",
                  approval_revision=2)
    on_file = {"AGR-1": open_ended, "AGR-2": died, "AGR-4": ended_before}
    event = approved_event(filed, day(1), on_file, payable_to_end=True)
    assert [(p.agreement_id, p.first_day, p.last_day, p.amount_pence, p.last_payable_date, p.cost_centre)
            for p in event.agreement_periods] == [
        ("AGR-1", MONDAY, day(6), 7_000, None, "ASC-NORTH"),  # no end: its days as charged
        ("AGR-2", MONDAY, day(2), 6_000, day(2), "ASC-SOUTH"),
        ("AGR-3", day(4), day(6), 3_000, None, None),  # not on file: nothing to cap it at
        ("AGR-4", day(1), day(1), 1_500, day(1), "ASC-EAST")]
    assert all(p.last_day <= p.last_payable_date for p in event.agreement_periods if p.last_payable_date)
    assert sum(p.amount_pence for p in event.agreement_periods) == event.amount_pence == 17_500
    # An ordinary approval (an officer's release of a line after the end) says the days as charged, so
    # payments still leaves it out: only an invoice whose overpayment is credited is capped.
    released = approved_event(filed, day(2), on_file)
    assert [(p.first_day, p.last_day) for p in released.agreement_periods][1] == (MONDAY, day(6))
