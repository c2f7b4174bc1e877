"""The three-way match: each rule passes or holds with its own reason code, naming the lines at fault."""
from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from services.invoicing.domain.facts import InvoicedPeriod, Suspension
from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.periods import Period
from services.invoicing.domain.provider_invoices import (ProviderInvoiceSubmission, SubmittedLine,
                                                         receive_provider_invoice)
from services.invoicing.domain.scheduled import build_scheduled_invoice
from services.invoicing.domain.self_billing import build_self_bill
from services.invoicing.domain.validation import validate
from services.invoicing.domain.validation_context import ValidationSettings
from tests.unit.invoicing.invoicing_builders import (PROVIDER, WEEK, actuals, context, day, home_care, provider,
                                                     residential, visit)

H = HoldCode


def submitted(*lines: SubmittedLine, number: str = "INV-1", received_on=day(8)):
    return receive_provider_invoice(ProviderInvoiceSubmission(PROVIDER, number, received_on, tuple(lines)),
                                    invoice_id="inv-1")


def visit_line(visit_id: str, on, amount: int = 2400, *, agreement: str = "AGR-1", person: str = "P-1",
               carer: str | None = "C-1") -> SubmittedLine:
    return SubmittedLine(agreement, person, amount, on, visit_id=visit_id, carer_id=carer)


def week_of_visits(amounts=None):
    """Provider lines for the default week of daily £24 visits (amounts overridable per day)."""
    amounts = amounts or {}
    return [visit_line(f"V-{d:%m%d}", d, amounts.get(n, 2400)) for n, d in enumerate(WEEK.days())]


def check(invoice, *agreements, confirmed=None, **kw):
    agreements = agreements or (home_care(),)
    confirmed = (actuals(),) if confirmed is None else confirmed
    return validate(invoice, context(*agreements, confirmed=confirmed, **kw))


def test_an_invoice_matching_agreement_and_verified_visits_is_approved_due_in_30_days():
    outcome = check(submitted(*week_of_visits()))
    assert outcome.approved and outcome.reasons == ()
    assert outcome.due_on == day(8) + timedelta(days=30)


def test_shorter_payment_terms_bring_the_due_date_forward():
    outcome = check(submitted(*week_of_visits()), settings=ValidationSettings(payment_terms_days=14))
    assert outcome.due_on == day(22)


def test_payment_terms_longer_than_30_days_are_refused():
    with pytest.raises(ValueError, match="0 to 30 days"):
        ValidationSettings(payment_terms_days=31)


def test_an_agreement_we_do_not_hold_is_held_naming_its_lines():
    outcome = check(submitted(*week_of_visits(), visit_line("V-X", day(1), agreement="AGR-404")))
    assert outcome.codes == (H.AGREEMENT_NOT_FOUND,)
    assert outcome.reasons[0].line_numbers == (8,)
    assert outcome.reasons[0].message.startswith("Line 8: agreement AGR-404 is not an agreement we hold")


def test_another_providers_agreement_is_held():
    theirs = home_care("AGR-2", provider_ref="PRV-2")
    outcome = check(submitted(visit_line("V-1", day(0), agreement="AGR-2")), home_care(), theirs)
    assert H.AGREEMENT_OF_ANOTHER_PROVIDER in outcome.codes


def test_another_persons_service_user_reference_is_held():
    outcome = check(submitted(*week_of_visits()[:6], visit_line("V-0308", day(6), person="P-9")))
    assert outcome.codes == (H.AGREEMENT_OF_ANOTHER_PERSON,)
    assert "is for service user P-1, not P-9" in outcome.reasons[0].message


def test_a_line_after_the_agreement_ended_mid_period_is_held():
    ended = home_care(end=day(3))
    lines = [SubmittedLine("AGR-1", "P-1", 4 * 2400, day(0), day(3)), SubmittedLine("AGR-1", "P-1", 2400, day(5))]
    outcome = check(submitted(*lines), ended, confirmed=(actuals(ended, visits=[visit(f"V{n}", day(n))
                                                                                for n in range(4)]),))
    assert outcome.codes == (H.AGREEMENT_NOT_ACTIVE, H.AMOUNT_DIFFERS_FROM_ACTUALS, H.ABOVE_COMMITMENT)
    assert outcome.reasons[0].line_numbers == (2,)
    assert outcome.reasons[0].message == ("Line 2: agreement AGR-1 ended on 5 Mar 2026 but the line covers"
                                          " 7 Mar 2026; remove the line.")


def test_a_line_straddling_the_start_says_which_days_may_be_charged():
    late_start = home_care(start=day(2))
    outcome = check(submitted(SubmittedLine("AGR-1", "P-1", 5 * 2400, day(0), day(6))), late_start)
    assert outcome.reasons[0].code is H.AGREEMENT_NOT_ACTIVE
    assert "starts on 4 Mar 2026 but the line covers 2–8 Mar 2026; charge only 4–8 Mar 2026" in \
        outcome.reasons[0].message


def test_a_provider_invoice_number_used_before_is_held_whatever_its_case_or_spacing():
    outcome = check(submitted(*week_of_visits(), number=" inv-1 "), numbers_already_received=frozenset({"INV-1"}))
    assert outcome.codes == (H.INVOICE_NUMBER_ALREADY_USED,)
    assert check(submitted(*week_of_visits(), number="INV-2"),
                 numbers_already_received=frozenset({"INV-1"})).approved


def test_a_period_already_invoiced_for_the_agreement_is_held_as_a_duplicate():
    earlier = InvoicedPeriod("AGR-1", WEEK, "SB-PRV-1-000007")
    outcome = check(submitted(*week_of_visits()), already_invoiced=(earlier,))
    assert outcome.codes == (H.PERIOD_ALREADY_INVOICED,)
    reason = outcome.reasons[0]
    assert reason.line_numbers == tuple(range(1, 8)) and reason.reference == "SB-PRV-1-000007"
    assert "for 2–8 Mar 2026 is already invoiced on SB-PRV-1-000007" in reason.message


def test_another_agreements_invoiced_period_or_an_earlier_week_is_no_duplicate():
    other = InvoicedPeriod("AGR-2", WEEK, "SB-PRV-1-000007")
    earlier_week = InvoicedPeriod("AGR-1", Period(day(-7), day(-1)), "SB-PRV-1-000006")
    assert check(submitted(*week_of_visits()), already_invoiced=(other, earlier_week)).approved


def test_the_same_visit_and_carer_on_two_lines_is_claimed_twice():
    outcome = check(submitted(*week_of_visits(), visit_line("V-0302", day(0))))
    assert H.CLAIMED_TWICE in outcome.codes
    twice = next(r for r in outcome.reasons if r.code is H.CLAIMED_TWICE)
    assert twice.line_numbers == (1, 8) and "visit V-0302 by carer C-1" in twice.message


def test_two_lines_over_the_same_days_or_a_visit_inside_a_days_line_are_claimed_twice():
    week = SubmittedLine("AGR-1", "P-1", 16800, week_commencing=day(0))
    outcome = check(submitted(week, SubmittedLine("AGR-1", "P-1", 2400, day(6)), visit_line("V-0303", day(1))))
    assert [r.line_numbers for r in outcome.reasons if r.code is H.CLAIMED_TWICE] == [(1, 2), (1, 3)]


def test_lines_for_unconfirmed_actuals_wait_for_confirmation():
    outcome = check(submitted(*week_of_visits()), confirmed=())
    assert outcome.codes == (H.ACTUALS_NOT_CONFIRMED, H.COMMITMENT_UNKNOWN)
    assert outcome.reasons[0].line_numbers == tuple(range(1, 8))


def test_a_visit_with_no_verified_attendance_is_held_naming_the_line():
    outcome = check(submitted(*week_of_visits(), visit_line("V-GHOST", day(2))))
    assert H.VISIT_NOT_VERIFIED in outcome.codes
    reason = next(r for r in outcome.reasons if r.code is H.VISIT_NOT_VERIFIED)
    assert reason.message.startswith("Line 8: visit V-GHOST by carer C-1 on 4 Mar 2026 has no verified attendance")


def test_amounts_exactly_50p_from_the_actuals_in_total_are_approved():
    assert check(submitted(*week_of_visits({0: 2425, 3: 2425}))).approved


def test_amounts_51p_from_the_actuals_are_held_with_the_expected_figure():
    outcome = check(submitted(*week_of_visits({0: 2425, 3: 2426})))
    assert outcome.codes == (H.AMOUNT_DIFFERS_FROM_ACTUALS,)
    assert [(r.line_numbers, r.claimed_pence, r.expected_pence) for r in outcome.reasons] == [
        ((1,), 2425, 2400), ((4,), 2426, 2400)]
    assert outcome.reasons[1].message == ("Line 4 claims £24.26 but the verified visit comes to £24.00; correct the"
                                          " line to £24.00, or raise a query with your evidence.")


def test_the_tolerance_counts_differences_both_ways_so_errors_cannot_cancel_out():
    outcome = check(submitted(*week_of_visits({0: 2500, 1: 2300})))
    assert outcome.codes == (H.AMOUNT_DIFFERS_FROM_ACTUALS,)


def test_the_tolerance_is_configurable():
    generous = ValidationSettings(tolerance_pence=200)
    assert check(submitted(*week_of_visits({0: 2600})), settings=generous).approved
    assert not check(submitted(*week_of_visits({0: 2401})), settings=ValidationSettings(tolerance_pence=0)).approved


def test_a_week_line_is_compared_with_the_weeks_verified_visits():
    week = SubmittedLine("AGR-1", "P-1", 16900, week_commencing=day(0))
    outcome = check(submitted(week))
    assert outcome.codes == (H.AMOUNT_DIFFERS_FROM_ACTUALS,)
    assert "the verified visits on 2–8 Mar 2026 come to £168.00" in outcome.reasons[0].message


def test_a_plan_line_is_compared_with_the_plan_less_suspended_days():
    suspended = residential(suspensions=(Suspension(day(3), day(5)),))
    line = SubmittedLine("AGR-R", "P-2", 70000, day(0), day(6))
    outcome = check(submitted(line), suspended, confirmed=())
    assert outcome.codes == (H.AMOUNT_DIFFERS_FROM_PLAN, H.ABOVE_COMMITMENT)  # its commitment is the plan, too
    assert outcome.reasons[0].expected_pence == 50000
    assert "the plan for 2–8 Mar 2026, less 2 day(s) of suspension, comes to £500.00" in outcome.reasons[0].message
    assert check(submitted(line), residential(), confirmed=()).approved


def test_unverified_bank_details_hold_the_invoice():
    outcome = check(submitted(*week_of_visits()), provider_facts=provider(bank=False))
    assert outcome.codes == (H.BANK_DETAILS_NOT_VERIFIED,)
    assert "verified bank details" in outcome.reasons[0].message


def five_visits(last_amount: int):
    visits = [visit(f"V-{n}", day(n), amount=2200) for n in range(4)] + [visit("V-4", day(4), amount=last_amount)]
    lines = [visit_line(v.visit_id, v.local_date, v.amount_pence) for v in visits]
    return submitted(*lines), (actuals(visits=visits),)


def test_an_invoice_exactly_10_percent_above_the_commitment_is_approved():
    invoice, confirmed = five_visits(2200)  # £110.00 against £100.00
    assert check(invoice, confirmed=confirmed, commitments={"AGR-1": 10000}).approved


def test_an_invoice_just_above_10_percent_over_the_commitment_is_held_for_an_officer():
    invoice, confirmed = five_visits(2201)  # £110.01 against £100.00
    outcome = check(invoice, confirmed=confirmed, commitments={"AGR-1": 10000})
    assert outcome.codes == (H.ABOVE_COMMITMENT,)
    assert (outcome.reasons[0].expected_pence, outcome.reasons[0].claimed_pence) == (10000, 11001)
    assert "more than 10% above its commitment of £100.00" in outcome.reasons[0].message


def test_the_safety_share_is_configurable():
    invoice, confirmed = five_visits(2200)
    outcome = check(invoice, confirmed=confirmed, commitments={"AGR-1": 10000},
                    settings=ValidationSettings(safety_share="0.05"))
    assert outcome.codes == (H.ABOVE_COMMITMENT,)
    assert ValidationSettings(safety_share="0.05").safety_share == Fraction(1, 20)


def test_an_actuals_agreement_with_no_commitment_on_record_is_held_for_an_officer():
    outcome = check(submitted(*week_of_visits()), commitments={})
    assert outcome.codes == (H.COMMITMENT_UNKNOWN,)


def test_a_plan_agreements_commitment_defaults_to_its_plan_for_the_period():
    line = SubmittedLine("AGR-R", "P-2", 70000, day(0), day(6))
    assert check(submitted(line), residential(), confirmed=(), commitments={}).approved
    assert check(submitted(line), residential(), confirmed=(), commitments={"AGR-R": 60000}).codes == (
        H.ABOVE_COMMITMENT,)


def test_an_invoice_with_no_lines_is_held():
    assert check(submitted()).codes == (H.INVOICE_HAS_NO_LINES,)


def test_every_reason_is_reported_at_once():
    invoice = submitted(*week_of_visits({2: 9999}), visit_line("V-X", day(1), agreement="AGR-404"))
    outcome = check(invoice, provider_facts=provider(bank=False), numbers_already_received=frozenset({"INV-1"}))
    assert set(outcome.codes) == {H.INVOICE_NUMBER_ALREADY_USED, H.AGREEMENT_NOT_FOUND,
                                  H.AMOUNT_DIFFERS_FROM_ACTUALS, H.BANK_DETAILS_NOT_VERIFIED, H.ABOVE_COMMITMENT}
    assert outcome.due_on is None


def test_a_self_billed_invoice_passes_the_match_and_its_number_is_not_checked_against_provider_numbers():
    invoice = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=day(8))
    outcome = check(invoice, numbers_already_received=frozenset({"SB-PRV-1-000001"}))
    assert outcome.approved and outcome.due_on == day(38)


def test_a_self_billed_invoice_for_a_period_already_invoiced_is_held():
    invoice = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000002", issued_on=day(8))
    outcome = check(invoice, already_invoiced=(InvoicedPeriod("AGR-1", WEEK, "INV-77"),))
    assert outcome.codes == (H.PERIOD_ALREADY_INVOICED,)


def test_facts_of_another_provider_are_a_wiring_fault():
    with pytest.raises(ValueError, match="facts of provider PRV-2"):
        check(submitted(*week_of_visits()), provider_facts=provider("PRV-2"))


def test_a_self_bill_with_a_line_per_day_matches_the_days_verified_visits():
    invoice = build_self_bill(home_care(), actuals(), provider(per_day=True), number="SB-PRV-1-000003",
                              issued_on=day(8))
    assert check(invoice).approved


def test_a_plan_agreements_scheduled_lines_match_its_plan():
    varied = residential(suspensions=(Suspension(day(2), day(4)),))
    invoice = build_scheduled_invoice(varied, WEEK, number="SB-PRV-1-000004", issued_on=day(7))
    assert check(invoice, varied, confirmed=()).approved
