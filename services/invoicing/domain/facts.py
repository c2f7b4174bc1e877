"""What invoicing is told by other services, in its own small types (it imports no other service).

The wiring fills these from the agreements and delivery events; the rules read nothing else.
Reading an agreement on a local date D (Europe/London), as the agreements contract says:
- it is active from `start` to `end` inclusive (no end: open-ended);
- nothing is payable on a day inside a suspension (`suspended_from` <= D < `resumed_on`);
- the plan in force on D is the highest `version` whose `effective_from` <= D.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from contracts.common import Cycle, Funding, PaymentBasis, ServiceType, SpendMechanism
from services.invoicing.domain.periods import Period


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """One version of a plan: `weekly_units` a week at `rate_pence` a unit, from `effective_from`."""

    version: int
    effective_from: date
    weekly_units: Decimal
    rate_pence: int

    @property
    def weekly_pence(self) -> Fraction:
        """Exact cost of a whole week (a fraction of a penny only for fractional units)."""
        return Fraction(self.weekly_units) * self.rate_pence


@dataclass(frozen=True, slots=True)
class Suspension:
    suspended_from: date
    resumed_on: date | None = None  # first day payable again; None while still suspended

    def covers(self, day: date) -> bool:
        return self.suspended_from <= day and (self.resumed_on is None or day < self.resumed_on)


@dataclass(frozen=True, slots=True)
class AgreementOnFile:
    """Invoicing's copy of an agreement, enough to read it as of any date."""

    agreement_id: str
    provider_ref: str
    person_ref: str
    basis: PaymentBasis
    cycle: Cycle
    start: date
    end: date | None = None
    plan: tuple[PlanTerms, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    service_type: ServiceType | None = None  # published on the invoice's events
    mechanism: SpendMechanism = SpendMechanism.COUNCIL_ARRANGED  # isf: advanced, never invoiced in arrears
    funding: Funding = Funding.COUNCIL  # managed_account: bought from a council-managed direct payment
    cost_centre: str | None = None  # the council cost centre its spend is charged to (None: not said)

    def is_active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def is_suspended_on(self, day: date) -> bool:
        return any(s.covers(day) for s in self.suspensions)

    def is_payable_on(self, day: date) -> bool:
        return self.is_active_on(day) and not self.is_suspended_on(day)

    def plan_on(self, day: date) -> PlanTerms | None:
        in_force = [t for t in self.plan if t.effective_from <= day]
        return max(in_force, key=lambda t: t.version) if in_force else None

    @property
    def active_period(self) -> Period:
        return Period(self.start, self.end or date.max)


@dataclass(frozen=True, slots=True)
class ProviderFacts:
    provider_ref: str
    bank_details_verified: bool
    self_billing_in_place: bool = False
    # Self-billed lines: one per verified visit and carer (default) or one per day.
    lines_per_day: bool = False


class VerifiedVisitLine(NamedTuple):
    """One carer's verified, priced attendance at one visit (from delivery).

    A NamedTuple so the wiring can build ~700,000 a run straight from database rows, cheaply.
    """

    visit_id: str
    carer_id: str
    local_date: date
    payable_minutes: int
    rate_pence_per_hour: int
    amount_pence: int


@dataclass(frozen=True, slots=True)
class ConfirmedActuals:
    """The verified visits of one agreement over a period whose actuals are confirmed.

    `gaps` are weeks inside `period` not confirmed yet: a provider's invoice may span weeks of
    which only some are confirmed, and its lines in a gap wait while the others are checked.
    """

    agreement_id: str
    person_ref: str
    period: Period
    visits: tuple[VerifiedVisitLine, ...]
    gaps: tuple[Period, ...] = ()

    @property
    def amount_pence(self) -> int:
        return sum(v.amount_pence for v in self.visits)


@dataclass(frozen=True, slots=True)
class InvoicedPeriod:
    """Days of an agreement already on an invoice that is not void (an original, not a correction)."""

    agreement_id: str
    period: Period
    invoice_number: str
