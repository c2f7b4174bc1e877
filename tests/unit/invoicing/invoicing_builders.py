"""Plain facts for the invoicing domain tests: a home-care agreement paid on actuals and a
residential one paid on its plan, with a provider that self-bills and has verified bank details."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from contracts.common import Cycle, PaymentBasis
from services.invoicing.domain.facts import (AgreementOnFile, ConfirmedActuals, PlanTerms, ProviderFacts,
                                             Suspension, VerifiedVisitLine)
from services.invoicing.domain.periods import Period, week_of
from services.invoicing.domain.validation_context import ValidationContext, ValidationSettings

MONDAY = date(2026, 3, 2)
SUNDAY = MONDAY + timedelta(days=6)
WEEK = week_of(MONDAY)
FOUR_WEEKS = Period(MONDAY, MONDAY + timedelta(days=27))
PROVIDER = "PRV-1"
RATE = 2400  # £24.00 an hour


def day(n: int) -> date:
    """The n-th day from MONDAY (0 = Monday 2 March 2026)."""
    return MONDAY + timedelta(days=n)


def provider(ref: str = PROVIDER, *, bank: bool = True, self_billing: bool = True,
             per_day: bool = False) -> ProviderFacts:
    return ProviderFacts(ref, bank_details_verified=bank, self_billing_in_place=self_billing, lines_per_day=per_day)


def home_care(agreement_id: str = "AGR-1", person: str = "P-1", *, start: date = MONDAY, end: date | None = None,
              provider_ref: str = PROVIDER, cycle: Cycle = Cycle.WEEKLY) -> AgreementOnFile:
    return AgreementOnFile(agreement_id, provider_ref, person, PaymentBasis.ACTUALS, cycle, start, end)


def residential(agreement_id: str = "AGR-R", person: str = "P-2", *, weekly_pence: int = 70000,
                start: date = MONDAY, end: date | None = None, variations: tuple[PlanTerms, ...] = (),
                suspensions: tuple[Suspension, ...] = (), units: str = "1") -> AgreementOnFile:
    plan = (PlanTerms(1, start, Decimal(units), weekly_pence),) + variations
    return AgreementOnFile(agreement_id, PROVIDER, person, PaymentBasis.PLAN, Cycle.FOUR_WEEKLY, start, end,
                           plan, suspensions)


def visit(visit_id: str, on: date, *, carer: str = "C-1", minutes: int = 60, rate: int = RATE,
          amount: int | None = None) -> VerifiedVisitLine:
    priced = amount if amount is not None else (minutes * rate + 30) // 60
    return VerifiedVisitLine(visit_id, carer, on, minutes, rate, priced)


def daily_visits(period: Period = WEEK, minutes: int = 60) -> tuple[VerifiedVisitLine, ...]:
    """One 60-minute visit a day at £24/hour: £24.00 a day."""
    return tuple(visit(f"V-{d:%m%d}", d, minutes=minutes) for d in period.days())


def actuals(agreement: AgreementOnFile | None = None, visits=None, period: Period = WEEK) -> ConfirmedActuals:
    agreement = agreement or home_care()
    return ConfirmedActuals(agreement.agreement_id, agreement.person_ref, period,
                            tuple(daily_visits(period) if visits is None else visits))


def context(*agreements: AgreementOnFile, provider_facts: ProviderFacts | None = None, confirmed=(),
            commitments: dict[str, int] | None = None, settings: ValidationSettings | None = None,
            **kw) -> ValidationContext:
    """Facts for validation: by default each actuals agreement's commitment is its confirmed amount."""
    confirmed_by = {a.agreement_id: a for a in confirmed}
    if commitments is None:
        commitments = {a.agreement_id: a.amount_pence for a in confirmed}
    return ValidationContext(provider_facts or provider(), {a.agreement_id: a for a in agreements}, confirmed_by,
                             commitments, settings=settings or ValidationSettings(), **kw)
