"""Commitments: the forecast cost of a person's agreements and direct payments against their budget.

Each line is forecast from the later of `as_of` and its start: the next 7 days for the weekly
figure, the next 364 days (52 weeks) for the annual one, honouring variations, suspensions and
end dates. A direct payment counts at its gross weekly value (payment plus the person's
contribution) under the version of its terms in force each day, the same footing as a commissioned
agreement the council pays in full.

An agreement funded by a council-managed direct payment's account is paid out of that direct
payment, which is counted already: its line names the direct payment (`funded_by`) and bounds the
agreement's invoices, but is left out of the person's weekly and annual totals, so the money is
never counted twice.
"""
from __future__ import annotations

import hashlib

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from contracts.agreements import CommitmentLine
from contracts.common import Funding, ServiceType
from shared.money import round_half_up
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.pricing import days, price_of_period

WEEK_DAYS = 7
YEAR_DAYS = 364


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
        lines = sorted((ln.agreement_id, ln.kind, ln.weekly_pence, ln.annual_pence, ln.funded_by or "")
                       for ln in self.lines)
        digest = hashlib.sha256(repr(lines).encode()).hexdigest()
        return self.weekly_budget_pence, self.weekly_pence, self.annual_pence, self.exceeded, digest


def _window(start: date, end: date | None, as_of: date, length: int) -> tuple[date, date] | None:
    first = max(as_of, start)
    last = first + timedelta(days=length - 1)
    if end is not None:
        last = min(last, end)
    return (first, last) if first <= last else None


def agreement_line(agreement: Agreement, as_of: date) -> CommitmentLine | None:
    """The forecast of one activated agreement; None when it has finished or never started. When a managed
    direct payment pays for it, the line names that payment (`funded_by`): it is not counted again."""
    if not agreement.was_activated or agreement.start is None:
        return None
    week = _window(agreement.start, agreement.end, as_of, WEEK_DAYS)
    year = _window(agreement.start, agreement.end, as_of, YEAR_DAYS)
    if year is None:
        return None
    return CommitmentLine(agreement_id=agreement.agreement_id, kind="agreement", service_type=agreement.service_type,
                          provider_id=agreement.provider_id,
                          weekly_pence=price_of_period(agreement, *week) if week else 0,
                          annual_pence=price_of_period(agreement, *year),
                          funded_by=agreement.direct_payment_id if agreement.funding is Funding.MANAGED_ACCOUNT
                          else None)


def direct_payment_line(payment: DirectPayment, as_of: date) -> CommitmentLine | None:
    """The forecast of one agreed direct payment, each day at the gross weekly value of its terms that day."""
    if not payment.is_payable_on(max(as_of, payment.start)):
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
                          annual_pence=total(_window(payment.start, payment.end, as_of, YEAR_DAYS)))


def commitment_of(person_ref: str, as_of: date, agreements: Sequence[Agreement],
                  direct_payments: Sequence[DirectPayment], weekly_budget_pence: int | None) -> Commitment:
    """Everything committed for one person from `as_of`, compared with their weekly budget."""
    lines = [agreement_line(a, as_of) for a in agreements if a.person_ref == person_ref]
    lines += [direct_payment_line(p, as_of) for p in direct_payments if p.person_ref == person_ref]
    return Commitment(person_ref, as_of, weekly_budget_pence, tuple(line for line in lines if line is not None))
