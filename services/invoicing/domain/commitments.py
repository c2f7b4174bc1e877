"""The commitment an invoice is bounded by: the agreement's weekly cost by business date over the invoice's weeks.

The agreements service publishes each agreement's commitment (CommitmentChanged): its weekly figure
forward from the day it was published, and its weekly cost by business date (`rates`, one per
version of its terms, each in force from its own date). A commitment is weekly, so an invoice is
bounded by the whole Monday–Sunday weeks its period touches (a provider may invoice a week's visits
over the four days they fell on): the sum, over the payable days of those weeks (active and not
suspended), of the weekly rate in force that day / 7, rounded half up once. A week cut by the
agreement's start or end, or by a suspension, is bounded by its payable days only.

The rate in force on a day is the one with the latest `from_date` on or before it (a day before the
first rate takes the first). When no rates are known (published before they were said), every day
takes the latest weekly figure. So an invoice for a week in which the agreement was active keeps that
week's bound after a later suspension or end brings the weekly figure to £0.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from shared.money import round_half_up
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.periods import Period


@dataclass(frozen=True, slots=True)
class RateFrom:
    """A weekly cost in force from `from_date` until the next rate's."""

    from_date: date
    weekly_pence: int


@dataclass(frozen=True, slots=True)
class CommitmentOnFile:
    """An agreement's commitment as last published: its weekly figure and its rates by business date."""

    weekly_pence: int
    rates: tuple[RateFrom, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", tuple(sorted(self.rates, key=lambda r: r.from_date)))

    def weekly_on(self, day: date) -> int:
        """The weekly cost in force on `day` (the weekly figure when no rates are known)."""
        if not self.rates:
            return self.weekly_pence
        at = bisect_right([r.from_date for r in self.rates], day)
        return self.rates[max(at - 1, 0)].weekly_pence


def commitment_for_period(commitment: CommitmentOnFile, agreement: AgreementOnFile, period: Period) -> int:
    weeks = period.weeks()
    whole = Period(weeks[0].first, weeks[-1].last)
    sevenths = sum(commitment.weekly_on(day) for day in whole.days() if agreement.is_payable_on(day))
    return round_half_up(sevenths, 7)
