"""Scheduled invoices for plan-based agreements: the plan in force each day, paid by the day.

Convention: a line per run of payable days under one version of the plan, costing weekly units x
rate x days / 7 rounded half up once per line; the invoice total is the sum of its lines.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from services.invoicing.domain.errors import InvalidInvoiceInput, NothingToInvoice
from services.invoicing.domain.facts import PlanTerms, Suspension
from services.invoicing.domain.invoice import InvoiceKind
from services.invoicing.domain.periods import Period
from services.invoicing.domain.plan_pricing import NoPlanInForce, plan_price
from services.invoicing.domain.scheduled import build_scheduled_invoice
from tests.unit.invoicing.invoicing_builders import FOUR_WEEKS, MONDAY, day, home_care, residential


def scheduled(agreement, period=FOUR_WEEKS):
    return build_scheduled_invoice(agreement, period, number="SB-PRV-1-000001", issued_on=day(28))


def spans(invoice):
    return [(l.first_day, l.last_day, l.amount_pence) for l in invoice.lines]


def test_a_whole_four_week_period_is_one_line_of_four_weeks():
    invoice = scheduled(residential(weekly_pence=70000))
    assert spans(invoice) == [(day(0), day(27), 280000)]
    assert invoice.kind is InvoiceKind.SCHEDULED and invoice.total_pence == 280000


def test_an_agreement_starting_mid_period_is_paid_from_its_start_by_the_day():
    invoice = scheduled(residential(weekly_pence=70000, start=day(3)))
    assert spans(invoice) == [(day(3), day(27), 25 * 10000)]


def test_an_agreement_ending_mid_period_is_paid_to_its_end_inclusive():
    invoice = scheduled(residential(weekly_pence=70000, end=day(9)))
    assert spans(invoice) == [(day(0), day(9), 100000)]


def test_a_variation_mid_week_prices_each_day_at_the_plan_in_force_that_day():
    varied = residential(weekly_pence=70000, variations=(PlanTerms(2, day(3), Decimal("1"), 77000),))
    invoice = scheduled(varied, Period(day(0), day(6)))
    assert spans(invoice) == [(day(0), day(2), 30000), (day(3), day(6), 44000)]
    assert invoice.total_pence == 74000


def test_a_back_dated_variation_supersedes_from_its_own_date():
    varied = residential(weekly_pence=70000, variations=(PlanTerms(2, day(0), Decimal("2"), 70000),))
    assert spans(scheduled(varied, Period(day(0), day(6)))) == [(day(0), day(6), 140000)]


def test_suspended_days_are_deducted():
    suspended = residential(weekly_pence=70000, suspensions=(Suspension(day(10), resumed_on=day(20)),))
    invoice = scheduled(suspended)
    assert spans(invoice) == [(day(0), day(9), 100000), (day(20), day(27), 80000)]
    assert invoice.total_pence == 280000 - 10 * 10000


def test_a_suspension_not_yet_ended_stops_payment_to_the_period_end():
    suspended = residential(weekly_pence=70000, suspensions=(Suspension(day(14)),))
    assert scheduled(suspended).total_pence == 14 * 10000


def test_a_part_week_rounds_half_up_once_per_line():
    # 1 unit at £100.01 a week: 3 days = 30003/7 = 4286.14p -> 4286; 4 days = 5714.86p -> 5715.
    varied = residential(weekly_pence=10001, variations=(PlanTerms(2, day(3), Decimal("1"), 10001),))
    invoice = scheduled(varied, Period(day(0), day(6)))
    assert [l.amount_pence for l in invoice.lines] == [4286, 5715]
    assert invoice.total_pence == sum(l.amount_pence for l in invoice.lines) == 10001


def test_fractional_weekly_units_cost_exactly_their_weeks_over_a_whole_period():
    # 37.5 hours at £18.51 = £694.125 a week; four weeks = £2,776.50 exactly.
    invoice = scheduled(residential(weekly_pence=1851, units="37.5"))
    assert invoice.total_pence == 277650
    assert invoice.lines[0].units == Decimal("37.5") and invoice.lines[0].rate_pence == 1851
    assert "28 days x 37.5 unit(s) at £18.51 = £694.125 a week / 7" in invoice.lines[0].description


def test_the_plan_price_of_any_days_is_what_the_invoice_lines_for_them_total():
    varied = residential(weekly_pence=10001, variations=(PlanTerms(2, day(11), Decimal("1.5"), 10001),),
                         suspensions=(Suspension(day(4), day(6)),))
    assert plan_price(varied, FOUR_WEEKS) == scheduled(varied).total_pence


def test_a_period_with_no_payable_day_raises_no_invoice():
    with pytest.raises(NothingToInvoice):
        scheduled(residential(start=day(30)))


def test_an_actuals_agreement_is_not_scheduled():
    with pytest.raises(InvalidInvoiceInput, match="actuals"):
        scheduled(home_care())


def test_a_payable_day_with_no_plan_is_a_fault_of_the_agreement_copy():
    broken = replace(residential(start=MONDAY), plan=())
    with pytest.raises(NoPlanInForce):
        scheduled(broken)
