"""Plain agreements for the domain tests: a daily home-care visit unless told otherwise."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from contracts.agreements import Rate, ScheduledVisit, VisitRules, Weekday
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from services.agreements.domain.agreements import Agreement

MONDAY = date(2026, 3, 2)


def hourly(pence: int, **kw) -> Rate:
    return Rate(unit=RateUnit.HOUR, amount_pence=pence, **kw)


def daily_visit(minutes: int = 60, at: time = time(8, 0), carers: int = 1) -> list[ScheduledVisit]:
    return [ScheduledVisit(weekday=d, start_time=at, duration_minutes=minutes, carers_required=carers) for d in Weekday]


def home_care(person: str = "P-1", *, start: date = MONDAY, end: date | None = None, rates=None, schedule=None,
              concurrent: bool = False, agreement_id: str | None = None, provider: str = "PRV-1") -> Agreement:
    """An active daily home-care agreement (60 minutes at 08:00, £24/hour) from `start`."""
    draft = Agreement(agreement_id=agreement_id or f"AGR-{person}-{start}", person_ref=person,
                      service_type=ServiceType.HOME_CARE)
    completed = draft.complete(provider_id=provider, payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY,
                               start=start, end=end, concurrent=concurrent, rates=rates or [hourly(2400)],
                               schedule=daily_visit() if schedule is None else schedule, weekly_units=None,
                               visit_rules=VisitRules(), rate_card_id=None)
    return completed.activate([])


def residential(person: str = "P-1", *, start: date = MONDAY, weekly_pence: int = 70000) -> Agreement:
    draft = Agreement(agreement_id=f"AGR-RES-{person}", person_ref=person, service_type=ServiceType.RESIDENTIAL)
    return draft.complete(provider_id="PRV-2", payment_basis=PaymentBasis.PLAN, cycle=Cycle.FOUR_WEEKLY, start=start,
                          end=None, concurrent=False, rates=[Rate(unit=RateUnit.WEEK, amount_pence=weekly_pence)],
                          schedule=[], weekly_units=Decimal("1"), visit_rules=VisitRules(),
                          rate_card_id=None).activate([])
