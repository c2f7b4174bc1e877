"""Commitments: the forecast cost of a person's agreements and direct payments against their budget.

Each line is forecast from the later of `as_of` and its start: the next 7 days for the weekly
figure, the next 364 days (52 weeks) for the annual one, honouring variations, suspensions and
end dates; a line that has finished stays, forecasting 0. Each line also says its weekly cost by business date (`rates`): one rate per version of
its terms, from the first day that version is in force (the first from the line's start), so a week
that has passed is judged by what was committed then, not today. Suspensions and the end are the
agreement's own, and are not folded into the rates. A direct payment counts at its gross weekly value (payment plus the person's
contribution) under the version of its terms in force each day, the same footing as a commissioned
agreement the council pays in full.

An agreement funded by a council-managed direct payment's account is paid out of that direct
payment, which is counted already: its line names the direct payment (`funded_by`) and bounds the
agreement's invoices, but is left out of the person's weekly and annual totals, so the money is
never counted twice.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Protocol, TypeVar

from contracts.agreements import CommitmentLine, WeeklyRate
from contracts.common import Funding, ServiceType
from shared.money import round_half_up
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.direct_payments import DirectPayment, DirectPaymentStatus, PaymentTerms
from services.agreements.domain.pricing import days, ordinary_weekly_cost, price_of_period

WEEK_DAYS = 7
YEAR_DAYS = 364


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=_Versioned)


@dataclass(frozen=True)
class Commitment:
    person_ref: str
    as_of: date
    weekly_budget_pence: int | None
    lines: tuple[CommitmentLine, ...]

    @property
    def weekly_pence(self) -> int:
        return sum(line.weekly_pence for line in self.lines if line.funded_by is None)

    @property
    def annual_pence(self) -> int:
        return sum(line.annual_pence for line in self.lines if line.funded_by is None)

    @property
    def exceeded_by_weekly_pence(self) -> int:
        if self.weekly_budget_pence is None:
            return 0
        return max(0, self.weekly_pence - self.weekly_budget_pence)

    @property
    def exceeded(self) -> bool:
        """Flagged, never silently allowed: forecast weekly spend above the weekly personal budget."""
        return self.exceeded_by_weekly_pence > 0

    @property
    def figures(self) -> tuple[int | None, int, int, bool, str]:
        """What a CommitmentChanged says, its lines as a digest: an unchanged tuple needs no new event."""
        lines = sorted((ln.agreement_id, ln.kind, ln.weekly_pence, ln.annual_pence, ln.funded_by or "",
                        tuple((r.from_date.isoformat(), r.weekly_pence) for r in ln.rates))
                       for ln in self.lines)
        digest = hashlib.sha256(repr(lines).encode()).hexdigest()
        return self.weekly_budget_pence, self.weekly_pence, self.annual_pence, self.exceeded, digest


def _window(start: date, end: date | None, as_of: date, length: int) -> tuple[date, date] | None:
    first = max(as_of, start)
    last = first + timedelta(days=length - 1)
    if end is not None:
        last = min(last, end)
    return (first, last) if first <= last else None


def _rates_by_version(start: date, end: date | None, effective_froms: Sequence[date],
                      terms_on: Callable[[date], V | None], weekly_pence: Callable[[V, date], int]) -> list[WeeklyRate]:
    """One rate per version of the terms in force, from the first day it is: each version's date (none before
    the start, none after the end), priced by `weekly_pence`. A version that a later-made, earlier-dated
    variation overrides from its own date on is never in force and has no rate."""
    rates: list[WeeklyRate] = []
    last_version = None
    for day in sorted({max(start, d) for d in effective_froms if end is None or d <= end}):
        terms = terms_on(day)
        if terms is None or terms.version == last_version:
            continue
        last_version = terms.version
        rates.append(WeeklyRate(from_date=day, weekly_pence=weekly_pence(terms, day)))
    return rates


def agreement_rates(agreement: Agreement) -> list[WeeklyRate]:
    """An agreement's rates: each version's ordinary week's planned cost (pricing.ordinary_weekly_cost)."""
    assert agreement.start is not None
    return _rates_by_version(agreement.start, agreement.end, [t.effective_from for t in agreement.terms],
                             agreement.terms_on, ordinary_weekly_cost)


def direct_payment_rates(payment: DirectPayment) -> list[WeeklyRate]:
    """A direct payment's rates: each version's gross weekly value (payment plus the person's contribution),
    to the penny."""
    def gross(terms: PaymentTerms, _day: date) -> int:
        return round_half_up(terms.weekly_gross_pence.numerator, terms.weekly_gross_pence.denominator)

    return _rates_by_version(payment.start, payment.end, [t.effective_from for t in payment.versions],
                             payment.terms_on, gross)


def agreement_line(agreement: Agreement, as_of: date) -> CommitmentLine | None:
    """The forecast of one activated agreement and its rates; None when it was never activated. One that has
    finished stays, forecasting 0, so its past weeks keep what was committed for them. When a managed direct
    payment pays for it, the line names that payment (`funded_by`): it is not counted again."""
    if not agreement.was_activated or agreement.start is None:
        return None
    week = _window(agreement.start, agreement.end, as_of, WEEK_DAYS)
    year = _window(agreement.start, agreement.end, as_of, YEAR_DAYS)
    return CommitmentLine(agreement_id=agreement.agreement_id, kind="agreement", service_type=agreement.service_type,
                          provider_id=agreement.provider_id,
                          weekly_pence=price_of_period(agreement, *week) if week else 0,
                          annual_pence=price_of_period(agreement, *year) if year else 0,
                          funded_by=agreement.direct_payment_id if agreement.funding is Funding.MANAGED_ACCOUNT
                          else None, rates=agreement_rates(agreement))


def direct_payment_line(payment: DirectPayment, as_of: date) -> CommitmentLine | None:
    """The forecast of one agreed direct payment, each day at the gross weekly value of its terms that day, and
    its rates; None before it is agreed. One that has ended stays, forecasting 0 (its past weeks keep their rates)."""
    if payment.status not in (DirectPaymentStatus.AGREED, DirectPaymentStatus.ENDED):
        return None

    def total(window: tuple[date, date] | None) -> int:
        if window is None:
            return 0
        amount = sum((payment.terms_on(d).weekly_gross_pence / WEEK_DAYS for d in days(*window)
                      if payment.is_payable_on(d)), Fraction(0))
        return round_half_up(amount.numerator, amount.denominator)

    return CommitmentLine(agreement_id=payment.agreement_id, kind="direct_payment",
                          service_type=ServiceType.DIRECT_PAYMENT,
                          weekly_pence=total(_window(payment.start, payment.end, as_of, WEEK_DAYS)),
                          annual_pence=total(_window(payment.start, payment.end, as_of, YEAR_DAYS)),
                          rates=direct_payment_rates(payment))


def commitment_of(person_ref: str, as_of: date, agreements: Sequence[Agreement],
                  direct_payments: Sequence[DirectPayment], weekly_budget_pence: int | None) -> Commitment:
    """Everything committed for one person from `as_of`, compared with their weekly budget."""
    lines = [agreement_line(a, as_of) for a in agreements if a.person_ref == person_ref]
    lines += [direct_payment_line(p, as_of) for p in direct_payments if p.person_ref == person_ref]
    return Commitment(person_ref, as_of, weekly_budget_pence, tuple(line for line in lines if line is not None))
