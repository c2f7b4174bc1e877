"""Self-billing: one invoice per agreement per period from confirmed actuals, a line per verified
visit and carer (or per day), numbered from the provider's gapless sequence."""
from __future__ import annotations

import pytest

from contracts.common import Cycle
from services.invoicing.domain.errors import InvalidInvoiceInput, NothingToInvoice
from services.invoicing.domain.facts import ConfirmedActuals
from services.invoicing.domain.invoice import InvoiceKind, InvoiceStatus
from services.invoicing.domain.periods import week_of
from services.invoicing.domain.self_billing import (ActualsNotConfirmed, build_self_bill, group_weeks,
                                                    self_bill_run)
from tests.unit.invoicing.invoicing_builders import (FOUR_WEEKS, PROVIDER, WEEK, actuals, day,
                                                     home_care, provider, residential, visit)


def self_bill(confirmed, *, per_day=False, agreement=None):
    return build_self_bill(agreement or home_care(), confirmed, provider(per_day=per_day),
                           number="SB-PRV-1-000001", issued_on=day(8))


def test_a_two_carer_visit_is_two_lines_one_per_carer():
    confirmed = actuals(visits=[visit("V-1", day(0), carer="C-2"), visit("V-1", day(0), carer="C-1"),
                                visit("V-2", day(1))])
    invoice = self_bill(confirmed)
    assert [(l.line_number, l.visit_id, l.carer_id) for l in invoice.lines] == [
        (1, "V-1", "C-1"), (2, "V-1", "C-2"), (3, "V-2", "C-1")]
    assert invoice.kind is InvoiceKind.SELF_BILLED and invoice.status is InvoiceStatus.DRAFT


def test_a_visit_line_copies_the_verified_minutes_rate_and_amount_without_repricing():
    line = self_bill(actuals(visits=[visit("V-1", day(2), minutes=45, rate=2385, amount=1789)])).lines[0]
    assert (line.first_day, line.minutes, line.rate_pence, line.amount_pence) == (day(2), 45, 2385, 1789)
    assert line.summary == "Visit V-1 on 4 Mar 2026, carer C-1, 45 min at £23.85 an hour"


def test_the_invoice_total_is_the_sum_of_its_verified_visits():
    confirmed = actuals()
    assert self_bill(confirmed).total_pence == confirmed.amount_pence == 7 * 2400


def test_a_carer_paid_nothing_gets_no_line():
    confirmed = actuals(visits=[visit("V-1", day(0)), visit("V-1", day(0), carer="C-3", amount=0)])
    assert [l.carer_id for l in self_bill(confirmed).lines] == ["C-1"]


def test_lines_per_day_sum_each_days_visits_and_total_the_same_as_lines_per_visit():
    visits = [visit("V-1", day(0)), visit("V-2", day(0), minutes=30), visit("V-2", day(0), carer="C-2", minutes=30),
              visit("V-3", day(3), minutes=45, rate=2600)]
    per_visit, per_day = self_bill(actuals(visits=visits)), self_bill(actuals(visits=visits), per_day=True)
    assert [(l.first_day, l.minutes, l.amount_pence) for l in per_day.lines] == [
        (day(0), 120, 2400 + 1200 + 1200), (day(3), 45, 1950)]
    assert per_day.lines[0].description == "2 visits on 2 Mar 2026, 120 min"
    assert per_day.lines[0].rate_pence == 2400 and per_day.lines[0].visit_id is None
    assert per_day.total_pence == per_visit.total_pence


def test_a_day_with_two_rates_shows_no_single_rate():
    per_day = self_bill(actuals(visits=[visit("V-1", day(0)), visit("V-2", day(0), rate=3000)]), per_day=True)
    assert per_day.lines[0].rate_pence is None


def test_a_period_with_no_paid_visits_raises_no_invoice():
    with pytest.raises(NothingToInvoice):
        self_bill(actuals(visits=[]))


def test_a_provider_without_a_self_billing_agreement_is_not_self_billed():
    with pytest.raises(InvalidInvoiceInput, match="self-billing"):
        build_self_bill(home_care(), actuals(), provider(self_billing=False), number="SB-PRV-1-000001",
                        issued_on=day(8))


def test_a_plan_agreement_is_scheduled_not_self_billed():
    with pytest.raises(InvalidInvoiceInput, match="scheduled"):
        self_bill(actuals(residential()), agreement=residential())


def test_a_visit_outside_the_actuals_period_is_refused():
    with pytest.raises(InvalidInvoiceInput, match="outside the period"):
        self_bill(actuals(visits=[visit("V-1", day(7))]))


def weekly(agreement, week_number: int, visits=None) -> ConfirmedActuals:
    week = week_of(day(7 * week_number))
    return actuals(agreement, visits, period=week)


def test_four_weekly_actuals_group_four_confirmed_weeks_into_one_invoice():
    agreement = home_care(cycle=Cycle.FOUR_WEEKLY)
    grouped = group_weeks(agreement, [weekly(agreement, w) for w in (3, 1, 0, 2)], FOUR_WEEKS)
    invoice = self_bill(grouped, agreement=agreement)
    assert invoice.period == FOUR_WEEKS and len(invoice.lines) == 28
    assert invoice.total_pence == 28 * 2400
    assert [l.first_day for l in invoice.lines] == sorted(l.first_day for l in invoice.lines)


def test_a_four_weekly_invoice_waits_for_every_week_to_be_confirmed():
    agreement = home_care(cycle=Cycle.FOUR_WEEKLY)
    with pytest.raises(ActualsNotConfirmed) as refused:
        group_weeks(agreement, [weekly(agreement, w) for w in (0, 1, 3)], FOUR_WEEKS)
    assert refused.value.missing == (week_of(day(14)),)


def test_weeks_before_an_agreement_starts_need_no_confirmation():
    agreement = home_care(start=day(15), cycle=Cycle.FOUR_WEEKLY)
    visits = [visit("V-1", day(15)), visit("V-2", day(22))]
    grouped = group_weeks(agreement, [weekly(agreement, 2, visits[:1]), weekly(agreement, 3, visits[1:])],
                          FOUR_WEEKS)
    assert grouped.amount_pence == 4800


def test_the_same_week_confirmed_twice_is_refused_rather_than_counted_twice():
    agreement = home_care()
    with pytest.raises(InvalidInvoiceInput, match="confirmed twice"):
        group_weeks(agreement, [weekly(agreement, 0), weekly(agreement, 0)], WEEK)


def test_a_run_numbers_each_providers_invoices_consecutively_after_its_last_number():
    a1, a2, other = home_care("AGR-1"), home_care("AGR-2", "P-2"), home_care("AGR-9", "P-9", provider_ref="PRV-2")
    run = self_bill_run([a2, other, a1], {a.agreement_id: actuals(a) for a in (a1, a2, other)},
                        {PROVIDER: provider(), "PRV-2": provider("PRV-2")}, {PROVIDER: 122}, issued_on=day(8))
    assert [(i.number, i.lines[0].agreement_id) for i in run.invoices] == [
        ("SB-PRV-1-000123", "AGR-1"), ("SB-PRV-1-000124", "AGR-2"), ("SB-PRV-2-000001", "AGR-9")]
    assert run.last_issued == {PROVIDER: 124, "PRV-2": 1}


def test_a_run_uses_no_number_for_an_agreement_it_leaves_out():
    a1, a2, a3 = home_care("AGR-1"), home_care("AGR-2"), home_care("AGR-3")
    run = self_bill_run([a1, a2, a3], {"AGR-1": actuals(a1, visits=[]), "AGR-3": actuals(a3)},
                        {PROVIDER: provider()}, {}, issued_on=day(8))
    assert [i.number for i in run.invoices] == ["SB-PRV-1-000001"]
    assert run.last_issued == {PROVIDER: 1}
    assert dict(run.left_out) == {"AGR-1": "no paid visits", "AGR-2": "actuals not confirmed"}


def test_a_run_skips_providers_that_invoice_for_themselves_and_plan_agreements():
    run = self_bill_run([home_care(), residential()], {"AGR-1": actuals()}, {PROVIDER: provider(self_billing=False)},
                        {}, issued_on=day(8))
    assert run.invoices == () and run.left_out == ()
