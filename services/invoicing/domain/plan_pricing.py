"""What a plan-based agreement (residential, supported living, ISF) costs over some days.

Convention (daily pro-rata): a plan costs weekly units x rate a week, paid by the day. The days
are cut into spans: runs of consecutive payable days under one version of the plan. A span's
amount = weekly units x rate x days / 7, rounded half up to the penny once per span. So a whole
period with no change is one span costing exactly its weeks' worth; a part period (start, end),
a variation mid-period (each day at the plan in force that day) or a suspension cuts spans, and
days suspended, before the start or after the end cost nothing. An invoice's total is the sum of
its spans' amounts, so lines and totals agree to the penny.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.money import format_gbp, round_half_up
from services.invoicing.domain.facts import AgreementOnFile, PlanTerms
from services.invoicing.domain.periods import Period, format_span


class NoPlanInForce(ValueError):
    """A payable day with no plan in force: the agreement copy is incomplete (a wiring fault)."""


@dataclass(frozen=True, slots=True)
class PlanSpan:
    first: date
    last: date
    terms: PlanTerms

    @property
    def day_count(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def amount_pence(self) -> int:
        exact = self.terms.weekly_pence * self.day_count / 7
        return round_half_up(exact.numerator, exact.denominator)

    @property
    def description(self) -> str:
        t = self.terms
        w = t.weekly_pence
        weekly = format_gbp(int(w)) if w.denominator == 1 else f"£{Decimal(w.numerator) / w.denominator / 100:,f}"
        days = "1 day" if self.day_count == 1 else f"{self.day_count} days"
        return (f"{format_span(self.first, self.last)}: {days} x {t.weekly_units:g} unit(s) at "
                f"{format_gbp(t.rate_pence)} = {weekly} a week / 7")


def plan_spans(agreement: AgreementOnFile, days: Period) -> list[PlanSpan]:
    """The payable spans of `days`, each under one version of the plan."""
    spans: list[PlanSpan] = []
    current: PlanSpan | None = None
    for day in days.days():
        if not agreement.is_payable_on(day):
            current = None
            continue
        terms = agreement.plan_on(day)
        if terms is None:
            raise NoPlanInForce(f"agreement {agreement.agreement_id} has no plan in force on {day}")
        if current is not None and current.terms == terms and current.last == day - timedelta(days=1):
            current = PlanSpan(current.first, day, terms)
            spans[-1] = current
        else:
            current = PlanSpan(day, day, terms)
            spans.append(current)
    return spans


def plan_price(agreement: AgreementOnFile, days: Period) -> int:
    """Pence the plan pays for `days` (the sum of its spans, each rounded once)."""
    return sum(span.amount_pence for span in plan_spans(agreement, days))

