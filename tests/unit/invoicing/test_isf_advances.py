"""Individual service funds are advanced, not invoiced in arrears: one isf_advance per agreement and
four-weekly period, charging the plan's spans exactly as a scheduled invoice would, checked like one,
numbered IA-, and due on the period's first day (or the day raised, if later)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from contracts.common import SpendMechanism
from services.invoicing.domain.disputes import close_dispute, open_dispute
from services.invoicing.domain.errors import InvalidInvoiceInput, NothingToInvoice
from services.invoicing.domain.facts import InvoicedPeriod, Suspension
from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.invoice import InvoiceKind, InvoiceStatus
from services.invoicing.domain.isf_advances import advance_period, build_isf_advance, periods_to_advance
from services.invoicing.domain.lifecycle import record_outcome, release, submit
from services.invoicing.domain.numbering import Series, format_number, parse_number
from services.invoicing.domain.periods import Period
from services.invoicing.domain.raising import preview
from services.invoicing.domain.scheduled import build_scheduled_invoice
from services.invoicing.domain.validation import validate
from services.invoicing.events import approved_event, raised_event
from services.invoicing.store.invoices import Filed
from tests.unit.invoicing.invoicing_builders import FOUR_WEEKS, MONDAY, context, day, provider, residential

ANCHOR = date(2024, 4, 1)
NEXT = Period(day(28), day(55))


def isf(**kw):
    return replace(residential(**kw), mechanism=SpendMechanism.ISF)


def advance(agreement=None, period=FOUR_WEEKS, issued_on=day(-10)):
    return build_isf_advance(agreement or isf(), period, number="IA-PRV-1-000001", issued_on=issued_on)


def checked(invoice, *agreements, **kw):
    return validate(invoice, context(*(agreements or (isf(),)), **kw))


def test_an_advance_charges_the_plans_spans_of_the_period_exactly_as_a_scheduled_invoice_would():
    fund = isf(weekly_pence=70000, start=day(3), suspensions=(Suspension(day(10), resumed_on=day(20)),))
    raised = advance(fund)
    as_scheduled = build_scheduled_invoice(replace(fund, mechanism=SpendMechanism.COUNCIL_ARRANGED), FOUR_WEEKS,
                                           number="SC-PRV-1-000001", issued_on=day(-10))
    assert raised.kind is InvoiceKind.ISF_ADVANCE and raised.lines == as_scheduled.lines
    assert [(x.first_day, x.last_day, x.amount_pence) for x in raised.lines] == [(day(3), day(9), 70000),
                                                                              (day(20), day(27), 80000)]


def test_an_isf_is_never_scheduled_in_arrears_and_nothing_else_is_advanced():
    with pytest.raises(InvalidInvoiceInput, match="advanced before each period, not invoiced in arrears"):
        build_scheduled_invoice(isf(), FOUR_WEEKS, number="SC-PRV-1-000001", issued_on=day(28))
    with pytest.raises(InvalidInvoiceInput, match="not an individual service fund"):
        advance(residential())


def test_a_period_after_the_agreements_end_has_nothing_to_advance():
    with pytest.raises(NothingToInvoice):
        advance(isf(end=day(27)), NEXT)


def test_an_advance_raised_before_its_period_is_due_on_the_periods_first_day():
    outcome = checked(advance(issued_on=day(-14)))
    assert outcome.approved and outcome.due_on == MONDAY


def test_an_advance_raised_after_its_period_started_is_due_the_day_it_is_raised():
    assert checked(advance(issued_on=day(5))).due_on == day(5)


def test_an_advance_is_checked_like_a_scheduled_invoice():
    raised = advance()
    earlier = InvoicedPeriod("AGR-R", FOUR_WEEKS, "IA-PRV-1-000000")
    assert checked(raised, already_invoiced=(earlier,)).codes == (HoldCode.PERIOD_ALREADY_INVOICED,)
    assert checked(raised, provider_facts=provider(bank=False)).codes == (HoldCode.BANK_DETAILS_NOT_VERIFIED,)
    inflated = replace(raised, lines=(raised.lines[0]._replace(amount_pence=290000),))
    assert checked(inflated).codes == (HoldCode.AMOUNT_DIFFERS_FROM_PLAN,)


def test_a_released_advance_is_due_by_the_advance_rule_not_thirty_days_on():
    held = record_outcome(submit(advance(issued_on=day(-14)), by="t"),
                          checked(advance(), provider_facts=provider(bank=False)))
    assert held.status is InvoiceStatus.HELD
    assert release(held, by="officer", why="bank details checked by phone").due_on == MONDAY


def test_a_dispute_closed_moves_an_advance_raised_late_by_its_disputed_days():
    approved = record_outcome(submit(advance(issued_on=day(5)), by="t"), checked(advance(issued_on=day(5))))
    disputed = open_dispute(approved, query_ref="Q-1", opened_on=day(6), by="t")
    assert close_dispute(disputed, query_ref="Q-1", closed_on=day(9), by="t").due_on == day(8)


@pytest.mark.parametrize(("today", "expected"), [
    (day(13), [FOUR_WEEKS.first - timedelta(days=28), MONDAY]),  # the next period starts in 15 days
    (day(14), [FOUR_WEEKS.first - timedelta(days=28), MONDAY, day(28)]),  # in 14 days: advanced now
    (MONDAY, [FOUR_WEEKS.first - timedelta(days=28), MONDAY]),
])
def test_each_round_raises_the_previous_and_current_periods_and_the_next_within_the_advance_days(today, expected):
    assert [p.first for p in periods_to_advance(today, 14, ANCHOR)] == expected
    assert all(p.day_count == 28 for p in periods_to_advance(today, 14, ANCHOR))


def test_only_a_four_weekly_period_start_is_a_period_to_advance():
    assert advance_period(day(28), ANCHOR) == NEXT
    with pytest.raises(InvalidInvoiceInput, match="period_start: 2026-03-09 does not start a four-weekly period"):
        advance_period(day(7), ANCHOR)


def test_advances_are_numbered_in_their_own_series():
    number = format_number("PRV-1", 12, Series.ISF_ADVANCE)
    assert number == "IA-PRV-1-000012" and parse_number(number) == (Series.ISF_ADVANCE, "PRV-1", 12)


def test_the_preview_of_an_isf_is_its_advance():
    shown = preview(isf(), FOUR_WEEKS, provider(), today=day(-3), last_number_issued=4, context=context(isf()))
    assert shown.invoice.kind is InvoiceKind.ISF_ADVANCE and shown.invoice.number == "IA-PRV-1-000005"
    assert shown.invoice.due_on == MONDAY and shown.invoice.total_pence == 280000


def test_an_advance_is_announced_as_issued_then_approved_with_its_due_date():
    invoice = record_outcome(submit(advance(), by="t"), checked(advance()))
    filed = Filed(invoice, "isf_advance", "supported_living", approval_revision=1)
    issued, approved = raised_event(filed), approved_event(filed, None)
    assert type(issued).__name__ == "InvoiceIssued" and issued.kind == approved.kind == "isf_advance"
    assert approved.due_date == MONDAY and approved.amount_pence == 280000
    assert (approved.period_start, approved.period_end) == (FOUR_WEEKS.first, FOUR_WEEKS.last)
