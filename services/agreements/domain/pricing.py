"""What an agreement costs on a day and over a period, each day under the terms in force that day.

A visit is priced per carer, to the penny: round-half-up(minutes x hourly rate / 60) (docs/domain.md,
"Pricing and rates"). Plan-based weekly units cost units x rate a week, spread evenly over its seven days
and rounded once per period, so a full week always costs exactly the weekly amount.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from fractions import Fraction

from contracts.agreements import AgreementTerms, Rate, ScheduledVisit
from contracts.common import RateUnit
from shared.calendar import is_bank_holiday
from shared.money import round_half_up
from services.agreements.domain.agreements import WEEKDAYS, Agreement
from services.agreements.domain.errors import Rejected
from services.agreements.domain.rates import rate_for


def days(first: date, last: date) -> Iterator[date]:
    """Each day from `first` to `last` inclusive (up to the calendar's last day, never past it)."""
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def price_of_visit(visit: ScheduledVisit, rate: Rate) -> int:
    """Planned cost of one visit: each carer is paid separately."""
    if rate.unit is RateUnit.HOUR:
        per_carer = round_half_up(visit.duration_minutes * rate.amount_pence, 60)
    else:  # a visit, session or night is one unit whatever its length
        per_carer = rate.amount_pence
    return per_carer * visit.carers_required


def cost_of_terms_on(terms: AgreementTerms, day: date) -> Fraction:
    """Exact cost of `day` under `terms` (a fraction of a penny only for weekly units)."""
    if terms.weekly_units is not None:
        standard = rate_for(terms.rates, day)
        if standard is None:
            raise Rejected("rates", "weekly units are priced at a standard rate, and there is none")
        return Fraction(terms.weekly_units) * standard.amount_pence / 7
    total = 0
    for visit in terms.schedule:
        if visit.weekday != WEEKDAYS[day.weekday()]:
            continue
        rate = rate_for(terms.rates, day, visit.start_time)
        if rate is None:
            raise Rejected("rates", f"no rate for the {visit.weekday} {visit.start_time} visit on {day}")
        total += price_of_visit(visit, rate)
    return Fraction(total)


def cost_of_day(agreement: Agreement, day: date) -> Fraction:
    if not agreement.is_payable_on(day):
        return Fraction(0)
    terms = agreement.terms_on(day)
    return cost_of_terms_on(terms, day) if terms is not None else Fraction(0)


def _pence(amount: Fraction) -> int:
    return round_half_up(amount.numerator, amount.denominator)


def price_of_day(agreement: Agreement, day: date) -> int:
    """Planned cost of `day` in pence: 0 outside the agreement's dates or while suspended."""
    return _pence(cost_of_day(agreement, day))


def price_of_period(agreement: Agreement, first: date, last: date) -> int:
    """Planned cost of `first`..`last` inclusive, each day under its own version of the terms."""
    return _pence(sum((cost_of_day(agreement, d) for d in days(first, last)), Fraction(0)))


def price_of_terms_for_week(terms: AgreementTerms, week_from: date) -> int:
    """What `terms` would cost over the seven days from `week_from` (for comparing providers)."""
    return _pence(sum((cost_of_terms_on(terms, d) for d in days(week_from, week_from + timedelta(days=6))),
                      Fraction(0)))


def ordinary_weekly_cost(terms: AgreementTerms, week_from: date) -> int:
    """What `terms` cost in an ordinary week from `week_from`: each of the seven days priced as its weekday
    is on the nearest later date that is not a bank holiday (a bank holiday's premium is a cost of that day,
    not of every week), rounded once."""
    total = Fraction(0)
    for day in days(week_from, week_from + timedelta(days=6)):
        while is_bank_holiday(day):
            day += timedelta(days=7)
        total += cost_of_terms_on(terms, day)
    return _pence(total)
