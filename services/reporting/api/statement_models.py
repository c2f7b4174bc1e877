"""What the person's statement returns (money in integer pence; dates are Europe/London business dates)."""
from __future__ import annotations

from datetime import date

from pydantic import Field

from services.reporting.api.models import Measures, Out


class StatementLine(Measures):
    service_type: str
    provider_id: str | None
    provider_name: str | None
    sentence: str


class StatementFigures(Out):
    weekly_budget_pence: int | None
    weekly_contribution_pence: int | None
    budget_pence: int
    planned_pence: int
    delivered_pence: int
    invoiced_pence: int
    paid_pence: int
    contributions_charged_pence: int = Field(description="Charged for the periods in `contributions`.")
    isf_budget_pence: int = Field(description="The ISF budgets of the periods in `isf`.")
    isf_spend_pence: int = Field(description="The ISF spend of the periods in `isf`.")


class StatementContribution(Out):
    """What the person is charged for one four-weekly period (the latest revision)."""

    period_start: date
    period_end: date
    charged_pence: int
    contribution_pence: int = Field(description="The assessed contribution for the days of care.")
    care_cost_pence: int = Field(description="The cost of the care delivered in the period.")
    capped: bool = Field(description="Charged the cost of care, less than the contribution.")
    reason: str = Field(description="Why, as invoicing worded the charge.")
    sentence: str


class StatementIsfSupport(Out):
    support_type: str
    hours: str = Field(description="Two decimal places, e.g. \"12.50\".")
    spend_pence: int
    sentence: str


class StatementIsfSubcontractor(Out):
    subcontractor: str = Field(description="A business the ISF provider paid for part of the support.")
    spend_pence: int


class StatementIsfPeriod(Out):
    """One four-weekly period of an ISF, from the provider's accepted return."""

    period_start: date
    period_end: date
    provider_id: str
    provider_name: str | None
    budget_pence: int
    spend_pence: int
    by_support: list[StatementIsfSupport]
    by_subcontractor: list[StatementIsfSubcontractor]
    sentence: str
    subcontractors_sentence: str | None


class StatementOut(Out):
    person_ref: str
    from_: date = Field(alias="from")
    to: date
    sentences: list[str]
    lines: list[StatementLine]
    figures: StatementFigures
    contributions: list[StatementContribution] = Field(description=(
        "Each four-weekly period overlapping the statement's months that the person is charged for."))
    isf: list[StatementIsfPeriod] = Field(description=(
        "Each four-weekly period overlapping the statement's months with an accepted ISF return."))
    notes: list[str]
