"""ISF returns checked whole (every problem named, with its CSV row), totalled by support and sub-contractor,
held over budget with a reason; the balance a provider holds and the surplus reclaimed, capped."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts.common import SpendMechanism
from shared.errors import NotEntitled
from services.invoicing.domain.errors import IllegalTransition
from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.domain.isf_balances import (AdvanceOnFile, IsfBalance, PeriodAmount, balance_through,
                                                    reclaim_reason, retained_pence, surplus_reclaim,
                                                    weekly_budget_pence)
from services.invoicing.domain.isf_returns import (ReturnLine, ReturnStatus, ReturnSubmission, accept_held,
                                                   budget_pence, check_return)
from services.invoicing.domain.isf_returns_csv import parse_isf_returns_csv
from services.invoicing.domain.periods import DEFAULT_FOUR_WEEKLY_ANCHOR, Period
from tests.unit.invoicing.invoicing_builders import FOUR_WEEKS, MONDAY, PROVIDER, residential

TODAY = FOUR_WEEKS.last + timedelta(days=3)
NEXT = Period(FOUR_WEEKS.last + timedelta(days=1), FOUR_WEEKS.last + timedelta(days=28))


def isf(agreement_id: str = "AGR-I", person: str = "P-9", **kw):
    return replace(residential(agreement_id, person, weekly_pence=70_000, **kw), mechanism=SpendMechanism.ISF)


def line(spend: int, support: str = "personal care", sub: str | None = None, hours: str = "10", row=None):
    return ReturnLine(support, sub, Decimal(hours), spend, row=row)


def check(submission: ReturnSubmission, agreements=None, today: date = TODAY):
    return check_return(submission, return_id="R-1", provider_ref=PROVIDER,
                        agreements=[isf()] if agreements is None else agreements,
                        anchor=DEFAULT_FOUR_WEEKLY_ANCHOR, today=today, submitted_by="provider-user")


# --- a return's checks ---------------------------------------------------------------------------------

def test_a_return_within_budget_is_accepted_with_totals_by_support_and_subcontractor():
    lines = (line(100_000, "personal care", hours="40.5"), line(50_000, "day opportunities", "Sunny Days Ltd", "12"),
             line(20_000, "personal care", "Care Co", "8.25"), line(5_000, "day opportunities", "Sunny Days Ltd", "2"))
    found, problems = check(ReturnSubmission("P-9", MONDAY, lines))
    assert problems == []
    assert found.status is ReturnStatus.ACCEPTED and found.holds == ()
    assert found.budget_pence == 280_000 and found.spend_pence == 175_000 and found.agreement_id == "AGR-I"
    assert [(s.support_type, s.hours, s.spend_pence) for s in found.by_support] == [
        ("day opportunities", Decimal("14"), 55_000), ("personal care", Decimal("48.75"), 120_000)]
    assert [(s.subcontractor, s.spend_pence) for s in found.by_subcontractor] == [
        ("Care Co", 20_000), ("Sunny Days Ltd", 55_000)]


def test_the_budget_is_the_plan_price_of_the_payable_days():
    assert budget_pence(isf(), FOUR_WEEKS) == 280_000
    assert budget_pence(isf(end=MONDAY + timedelta(days=6)), FOUR_WEEKS) == 70_000


def test_over_budget_without_a_reason_is_refused_naming_over_budget_reason_and_with_one_held():
    over = ReturnSubmission("P-9", MONDAY, (line(280_001),))
    found, problems = check(over)
    assert found is None and [p.field for p in problems] == ["over_budget_reason"]
    assert "£0.01 over the period's budget of £2,800.00" in problems[0].message
    held, problems = check(replace(over, over_budget_reason="  a crisis week needed two carers "))
    assert problems == [] and held.status is ReturnStatus.HELD
    assert [h.code.value for h in held.holds] == ["over_budget"]
    assert held.over_budget_reason == "a crisis week needed two carers"


def test_every_problem_is_given_at_once():
    bad = ReturnSubmission("P-9", MONDAY, (ReturnLine(" ", None, Decimal("-1"), -5, where="lines[0]."),
                                          ReturnLine("care", None, Decimal("1.005"), 10, where="lines[1].")))
    _, problems = check(bad)
    assert [p.field for p in problems] == ["lines[0].support_type", "lines[0].hours", "lines[0].spend_pence",
                                           "lines[1].hours"]


def test_no_isf_of_this_provider_for_the_person_is_refused_naming_person_ref():
    for agreements in ([], [isf(person="P-OTHER")], [replace(isf(), provider_ref="PRV-OTHER")],
                       [replace(isf(), mechanism=SpendMechanism.COUNCIL_ARRANGED)],
                       [isf(start=NEXT.first)]):
        found, problems = check(ReturnSubmission("P-9", MONDAY, (line(1),)), agreements)
        assert found is None and [p.field for p in problems] == ["person_ref"], agreements


def test_a_period_start_that_is_not_a_four_weekly_start_or_not_over_is_refused():
    _, problems = check(ReturnSubmission("P-9", MONDAY + timedelta(days=7), (line(1),)))
    assert [p.field for p in problems] == ["period_start"] and "not the first day" in problems[0].message
    _, problems = check(ReturnSubmission("P-9", MONDAY, (line(1),)), today=FOUR_WEEKS.last)
    assert [p.field for p in problems] == ["period_start"] and "is not over" in problems[0].message


def test_no_lines_is_refused():
    _, problems = check(ReturnSubmission("P-9", MONDAY, ()))
    assert [p.field for p in problems] == ["lines"]


def test_a_held_return_is_accepted_by_another_officer_with_a_reason_only():
    held, _ = check(ReturnSubmission("P-9", MONDAY, (line(300_000),), "two carers"))
    with pytest.raises(NotEntitled):
        accept_held(held, by="provider-user", why="fine")
    assert accept_held(held, by="officer-2", why="agreed by phone").status is ReturnStatus.ACCEPTED
    with pytest.raises(IllegalTransition):
        accept_held(accept_held(held, by="officer-2", why="ok"), by="officer-3", why="again")


# --- the CSV -------------------------------------------------------------------------------------------

HEADER = "person_ref,period_start,support_type,subcontractor,hours,spend,over_budget_reason\n"


def test_csv_rows_make_one_return_per_person_and_period():
    text = HEADER + ("P-9,02/03/2026,personal care,,40.50,\"£1,000.00\",\n"
                     "P-9,2026-03-02,day opportunities,Sunny Days Ltd,12,500.00,\n"
        "P-8,2026-03-02,personal care,,3,75.00,needed a sleep-in\n")
    read = parse_isf_returns_csv(text.encode())
    submissions, problems = read.submissions, read.problems
    assert problems == []
    assert [(s.person_ref, s.period_start, len(s.lines), s.over_budget_reason, s.row) for s in submissions] == [
        ("P-9", MONDAY, 2, None, 2), ("P-8", MONDAY, 1, "needed a sleep-in", 4)]
    assert submissions[0].lines[0] == ReturnLine("personal care", None, Decimal("40.50"), 100_000, row=2)
    assert submissions[0].lines[1].subcontractor == "Sunny Days Ltd"


def test_csv_problems_name_their_row_and_column():
    text = HEADER + ("P-9,2026-03-02,personal care,,lots,10.00,\n"
                     ",2026-03-02,care,,1,10.00,\n"
                     "P-9,31/02/2026,care,,1,1.001,\n"
                     "P-9,2026-03-02,care,,1,-3.00,\n")
    read = parse_isf_returns_csv(text)
    submissions, problems = read.submissions, read.problems
    assert [(p.row, p.field) for p in problems] == [(2, "hours"), (3, "person_ref"), (4, "period_start"),
                                                    (4, "spend")]
    # the negative spend is read, and refused with its row when the return is checked
    _, checked = check(submissions[0])
    assert [(p.row, p.field) for p in checked] == [(5, "spend_pence")]


def test_a_csv_header_without_a_required_column_names_it():
    problems = parse_isf_returns_csv("person_ref,period_start,support_type,spend\nP-9,2026-03-02,care,1\n").problems
    assert [(p.row, p.field) for p in problems] == [(1, "hours")]


def test_a_csv_reason_differing_within_one_return_is_named():
    text = HEADER + "P-9,2026-03-02,care,,1,10.00,one\nP-9,2026-03-02,care,,1,10.00,two\n"
    problems = parse_isf_returns_csv(text).problems
    assert [(p.row, p.field) for p in problems] == [(3, "over_budget_reason")]


# --- balance and surplus ---------------------------------------------------------------------------------

def advance(period: Period = FOUR_WEEKS, total: int = 280_000, *, status=InvoiceStatus.PAID, credited: int = 0,
            surplus: int = 0, number: str = "IA-PRV-1-000001", in_run: bool = False) -> AdvanceOnFile:
    return AdvanceOnFile(f"INV-{period.first}", number, period, status, total, credited, surplus, in_run)


def test_the_balance_counts_advances_spend_and_reclaims_of_the_periods_so_far():
    advances = [advance(), advance(NEXT, status=InvoiceStatus.APPROVED),
                advance(Period(NEXT.first - timedelta(days=56), NEXT.first - timedelta(days=29)),
                        status=InvoiceStatus.VOID)]
    b = balance_through(MONDAY, advances=advances, spent=[PeriodAmount(FOUR_WEEKS, 150_000),
                                                          PeriodAmount(NEXT, 99_999)],
                        reclaimed=[PeriodAmount(NEXT, 1)], retained=70_000)
    assert (b.advanced_pence, b.spent_pence, b.reclaimed_pence) == (280_000, 150_000, 0)
    assert (b.balance_pence, b.surplus_pence) == (130_000, 60_000)


def test_credit_notes_other_than_surplus_reclaims_take_from_what_was_advanced():
    a = advance(credited=30_000, surplus=10_000)
    assert a.advanced_pence == 260_000 and a.left_pence == 250_000
    assert advance(status=InvoiceStatus.VOID).advanced_pence == 0


def test_retained_is_weeks_of_the_weekly_budget_at_the_period_end_and_nothing_once_ended():
    agreement = isf()
    assert weekly_budget_pence(agreement, FOUR_WEEKS.last) == 70_000
    assert retained_pence(agreement, FOUR_WEEKS.last, 1) == 70_000
    assert retained_pence(agreement, FOUR_WEEKS.last, 2) == 140_000
    assert retained_pence(isf(end=FOUR_WEEKS.last), FOUR_WEEKS.last, 1) == 0


def balance(surplus: int, retained: int = 70_000) -> IsfBalance:
    return IsfBalance(advanced_pence=280_000, spent_pence=280_000 - retained - surplus, reclaimed_pence=0,
                      retained_pence=retained)


def test_the_surplus_is_netted_from_the_next_advance_when_approved_and_not_in_a_run():
    following = advance(NEXT, status=InvoiceStatus.APPROVED, number="IA-PRV-1-000002")
    r = surplus_reclaim(balance(60_000), own=advance(), following=following)
    assert (r.amount_pence, r.method, r.advance) == (60_000, "next_advance", following)
    assert reclaim_reason(FOUR_WEEKS, balance(60_000), r) == (
        "ISF surplus for 2–29 Mar 2026: £600.00 held above the £700.00 the provider may keep")


@pytest.mark.parametrize("following", [None, advance(NEXT, status=InvoiceStatus.APPROVED, in_run=True),
                                       advance(NEXT, status=InvoiceStatus.SCHEDULED),
                                       advance(NEXT, status=InvoiceStatus.HELD),
                                       advance(NEXT, status=InvoiceStatus.APPROVED, credited=280_000)])
def test_otherwise_a_credit_note_against_the_period_s_own_advance(following):
    r = surplus_reclaim(balance(60_000), own=advance(), following=following)
    assert (r.amount_pence, r.method, r.advance.period) == (60_000, "credit_note", FOUR_WEEKS)


def test_a_reclaim_is_capped_at_what_is_left_of_the_advance_it_credits():
    r = surplus_reclaim(balance(60_000), own=advance(credited=250_000), following=None)
    assert (r.amount_pence, r.method) == (30_000, "credit_note")
    assert reclaim_reason(FOUR_WEEKS, balance(60_000), r).endswith(
        "; £300.00 reclaimed, all that is left of IA-PRV-1-000001")
    r = surplus_reclaim(balance(60_000), own=advance(),
                        following=advance(NEXT, 20_000, status=InvoiceStatus.APPROVED))
    assert (r.amount_pence, r.method) == (20_000, "next_advance")


def test_nothing_is_reclaimed_without_a_surplus_or_an_advance_to_credit():
    assert surplus_reclaim(balance(0), own=advance(), following=None) is None
    assert surplus_reclaim(balance(60_000), own=advance(status=InvoiceStatus.HELD), following=None) is None
    assert surplus_reclaim(balance(60_000), own=advance(credited=280_000), following=None) is None
    assert surplus_reclaim(balance(60_000), own=None, following=None) is None
