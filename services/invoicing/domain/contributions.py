"""The person's assessed contribution, charged for council-arranged care and ISFs, per four-weekly period.

- The weekly contribution in force on a day: of the decisions in force then (a budget agreed with a
  request, from the start of care; a reassessment, from its `effective_from`), the one decided last.
- Care charged for: the person's agreements funded by the council (not from a managed account) whose
  mechanism is council_arranged or isf. A day counts when one of them is active and not suspended;
  days after an agreement's end (an ending, a death) and after the person's death count nothing, so
  charges stop.
- A day of care on which the person has a direct payment in force (from its start to its end) is not
  a day of contribution: the direct payment is paid net of the whole weekly contribution, so it has
  taken it already.
- Contribution due = the sum over the days of contribution of the weekly contribution in force / 7,
  rounded half up to the penny once for the period.
- Cost of care delivered = confirmed actuals (verified amounts) of those agreements on their payable
  days in the period + the plan price (scheduled and ISF) of their payable days in it.
- The charge = the smaller of the two ("capped" when it is the cost of care). A computation whose
  charge differs from the one on record is a new revision; its change is the difference (below 0:
  the charge came down).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import NamedTuple

from contracts.common import Cycle, Funding, PaymentBasis, SpendMechanism
from shared.money import format_gbp, round_half_up
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.periods import Period, format_day, last_complete_period
from services.invoicing.domain.plan_pricing import plan_price

CHARGED_MECHANISMS = frozenset({SpendMechanism.COUNCIL_ARRANGED, SpendMechanism.ISF})


@dataclass(frozen=True, slots=True)
class ContributionDecision:
    """A weekly contribution decided in requests, in force from `effective_from` (None: from the start)."""

    weekly_pence: int
    decided_at: datetime
    effective_from: date | None = None


@dataclass(frozen=True, slots=True)
class DeliveredVisit:
    """The verified amount of confirmed actuals of an agreement on a day."""

    agreement_id: str
    local_date: date
    amount_pence: int


@dataclass(frozen=True, slots=True)
class DirectPaymentWindow:
    """A direct payment of the person, in force from `start` to `end` inclusive (None: not ended)."""

    agreement_id: str
    start: date
    end: date | None = None

    def in_force_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Computation:
    """A person's charge for a period as computed now."""

    period: Period
    care_days: int
    contribution_pence: int
    care_cost_pence: int
    reason: str

    @property
    def charged_pence(self) -> int:
        return min(self.contribution_pence, self.care_cost_pence)

    @property
    def capped(self) -> bool:
        return self.care_cost_pence < self.contribution_pence


class Revision(NamedTuple):
    """What a new revision records: its number and what it adds to the charge (below 0: takes away)."""

    revision: int
    change_pence: int


def contribution_in_force(decisions: Sequence[ContributionDecision], on: date) -> ContributionDecision | None:
    """The decision that applies on `on` (the one decided last of those in force); None before any is."""
    in_force = [d for d in decisions if d.effective_from is None or d.effective_from <= on]
    return max(in_force, key=lambda d: (d.decided_at, d.effective_from is not None), default=None)


def is_charged_care(agreement: AgreementOnFile) -> bool:
    """Council-funded, council-arranged care or an ISF: what the person's contribution is charged for."""
    return agreement.funding is Funding.COUNCIL and agreement.mechanism in CHARGED_MECHANISMS


def care_days(agreements: Iterable[AgreementOnFile], period: Period) -> list[date]:
    """Days of `period` with charged care active and not suspended."""
    charged = [a for a in agreements if is_charged_care(a)]
    return [d for d in period.days() if any(a.is_payable_on(d) for a in charged)]


def cost_of_care(agreements: Iterable[AgreementOnFile], delivered: Iterable[DeliveredVisit], period: Period) -> int:
    """Confirmed actuals on payable days in `period` plus the plan price of plan agreements' payable days."""
    charged = {a.agreement_id: a for a in agreements if is_charged_care(a)}
    actuals = sum(v.amount_pence for v in delivered if v.agreement_id in charged and period.contains(v.local_date)
                  and charged[v.agreement_id].basis is PaymentBasis.ACTUALS
                  and charged[v.agreement_id].is_payable_on(v.local_date))
    plans = sum(plan_price(a, period) for a in charged.values() if a.basis is PaymentBasis.PLAN)
    return actuals + plans


def _runs(days: list[date], decisions: Sequence[ContributionDecision]) -> list[tuple[int, date, int]]:
    """(weekly pence, first day, days) for each run of care days under one weekly contribution."""
    runs: list[tuple[int, date, int]] = []
    for day in days:
        decision = contribution_in_force(decisions, day)
        weekly = decision.weekly_pence if decision else 0
        if runs and runs[-1][0] == weekly:
            runs[-1] = (weekly, runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((weekly, day, 1))
    return runs


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _nothing(period: Period, died: date | None) -> str:
    if died is not None and died < period.first:
        return f"No charge for {period}: it is after the person's death on {format_day(died)}"
    return f"No council-arranged care or ISF in {period}: nothing to charge"


def charge_for_period(decisions: Sequence[ContributionDecision], agreements: Sequence[AgreementOnFile],
                      delivered: Iterable[DeliveredVisit], period: Period, *,
                      direct_payments: Sequence[DirectPaymentWindow] = (), died: date | None = None) -> Computation:
    """The person's charge for `period`: min(contribution due, cost of care delivered), with its reason.

    Days after `died` (the person's death) are no days of care; days of care with a direct payment in
    force are no days of contribution (the direct payment took it)."""
    care = [d for d in care_days(agreements, period) if died is None or d <= died]
    if not care:
        return Computation(period, 0, 0, 0, _nothing(period, died))
    taken = [d for d in care if any(w.in_force_on(d) for w in direct_payments)]
    netted = frozenset(taken)
    days = [d for d in care if d not in netted]
    runs = _runs(days, decisions)
    exact = sum((Fraction(weekly * n, 7) for weekly, _, n in runs), Fraction(0))
    contribution = round_half_up(exact.numerator, exact.denominator)
    cost = cost_of_care(agreements, delivered, period)
    parts = ", ".join(f"{format_gbp(weekly)} a week for {_days(n)} from {format_day(first)}"
                      for weekly, first, n in runs)
    reason = f"Contribution {parts}: {format_gbp(contribution)}" if runs else f"No contribution for {period}"
    if taken:
        reason += (f"; {_days(len(taken))} of care from {format_day(taken[0])} not charged: a direct payment in "
                   "force then is paid net of the contribution")
    if died is not None and period.contains(died) and died < period.last:
        reason += f"; nothing after the person's death on {format_day(died)}"
    if cost < contribution:
        reason += f"; capped at the cost of care delivered in {period}, {format_gbp(cost)}"
    return Computation(period, len(care), contribution, cost, reason)


def next_revision(charged_before: int | None, revision_before: int, computed: Computation) -> Revision | None:
    """The revision the computation makes, or None when it changes nothing.

    With nothing on record, a period with no care charges nothing and records nothing; a period with
    care records its first revision (even at £0.00: the person sees why). Afterwards, only a charge that
    differs from the one on record makes a revision, its change the difference."""
    if charged_before is None:
        if computed.care_days == 0 and computed.charged_pence == 0:
            return None
        return Revision(1, computed.charged_pence)
    if computed.charged_pence == charged_before:
        return None
    return Revision(revision_before + 1, computed.charged_pence - charged_before)


def died_before(deaths: Iterable[date], period: Period) -> date | None:
    """The day of death, when the person died before `period` started (no charge can be raised for it)."""
    died = min(deaths, default=None)
    return died if died is not None and died < period.first else None


def periods_to_charge(today: date, after_days: int, anchor: date, count: int = 3) -> list[Period]:
    """The last `count` four-weekly periods over for at least `after_days` days, oldest first."""
    periods = [last_complete_period(today - timedelta(days=after_days), Cycle.FOUR_WEEKLY, anchor)]
    while len(periods) < count:
        periods.insert(0, last_complete_period(periods[0].first, Cycle.FOUR_WEEKLY, anchor))
    return periods
