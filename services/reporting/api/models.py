"""What the reporting API returns (money in integer pence; dates are Europe/London business dates)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import SpendMechanism


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Measures(Out):
    committed_pence: int = Field(description="Forecast cost of the agreements and direct payments in force, over "
                                             "the period's days (an agreement a managed account funds is within its "
                                             "direct payment's figure).")
    delivered_pence: int = Field(description="Verified visits at their latest revision.")
    invoiced_pence: int = Field(description="Approved invoices less credit notes.")
    paid_pence: int = Field(description="Confirmed payments less returned ones. A direct payment into a "
                                        "council-managed account is a transfer, not counted: what the account pays "
                                        "out (invoices, personal assistants) is.")


class SpendRow(Measures):
    period_start: date
    period_end: date
    group: str | None = Field(description="The service type, provider_id, person_ref, cost centre or mechanism "
                                          "(`unknown` until reporting hears it); null for direct payments and "
                                          "personal assistants (no provider) or invoices covering several people.")
    label: str = Field(description="A readable name for the group.")


class SpendOut(Out):
    group_by: Literal["service_type", "provider", "person", "cost_centre", "mechanism"]
    period: Literal["week", "month"]
    from_: date = Field(alias="from")
    to: date
    service_type: str | None
    provider_id: str | None
    mechanism: list[SpendMechanism] | None = Field(description="The mechanisms the figures are limited to; null: "
                                                               "every mechanism.")
    cost_centre: list[str] | None = Field(default=None, description="The cost centres the figures are limited "
                                                                    "to; null: every cost centre.")
    rows: list[SpendRow] = Field(description="This page's groups, each with a row for every period with a figure; "
                                             "oldest period first, then by group.")
    totals: Measures = Field(description="Sums of the rows returned (this page's).")


class BudgetPeriod(Measures):
    period_start: date
    period_end: date
    budget_pence: int


class BudgetTotals(Measures):
    budget_pence: int
    budget_left_after_commitment_pence: int
    budget_left_after_paid_pence: int


class CommitmentLineOut(Out):
    agreement_id: str
    kind: str
    service_type: str
    provider_id: str | None
    weekly_pence: int
    annual_pence: int


class BudgetOut(Out):
    person_ref: str
    period: Literal["week", "month"]
    from_: date = Field(alias="from")
    to: date
    weekly_budget_pence: int | None
    weekly_contribution_pence: int | None
    budget_agreed_on: date | None
    weekly_commitment_pence: int
    annual_commitment_pence: int
    commitment_as_of: date | None
    exceeded: bool
    exceeded_by_weekly_pence: int
    commitment_lines: list[CommitmentLineOut]
    totals: BudgetTotals
    periods: list[BudgetPeriod]


class PromptFigures(Out):
    invoices_paid: int
    value_paid_pence: int
    average_days_to_pay: float | None
    paid_within_30_days: int
    paid_within_30_days_pct: float | None
    paid_within_30_days_of_valid_pct: float | None
    paid_in_31_to_60_days_pct: float | None
    paid_after_60_days_pct: float | None


class PromptByProvider(PromptFigures):
    provider_id: str


class PromptByProviderMonth(PromptByProvider):
    month: date


class AwaitingPayment(Out):
    provider_id: str
    invoices: int
    value_pence: int
    overdue_invoices: int
    overdue_value_pence: int


class PromptPaymentOut(Out):
    from_: date = Field(alias="from")
    to: date
    as_of: date
    overall: PromptFigures
    by_provider: list[PromptByProvider]
    by_provider_month: list[PromptByProviderMonth]
    awaiting_payment: list[AwaitingPayment]


class QualityRow(Out):
    period_start: date
    period_end: date
    provider_id: str
    attendances: int
    missed: int
    late: int
    short: int
    missed_pct: float | None = Field(description="Missed carer attendances out of all planned.")
    late_pct: float | None
    short_pct: float | None


class QualityOut(Out):
    period: Literal["week", "month"]
    from_: date = Field(alias="from")
    to: date
    rows: list[QualityRow]


class QueriesByCategory(Out):
    category: str
    open: int
    on_track: int
    due_today: int
    overdue: int = Field(description="Past the deadline, not yet reported breached by the queries service.")
    breached: int


class QueriesRow(Out):
    category: str
    state: str
    sla_state: Literal["on_track", "due_today", "overdue", "breached"]
    queries: int


class BreachRow(Out):
    month: date
    category: str
    sla: str
    breaches: int


class OpenQueriesOut(Out):
    as_of: date
    open: int
    by_category: list[QueriesByCategory]
    rows: list[QueriesRow]
    breaches: list[BreachRow]
    breaches_from: date
    breaches_to: date


class ConsumerLag(Out):
    consumer: str
    lag: int


class ServiceHealth(Out):
    service: str
    url: str
    ready: bool
    reason: str
    consumer_lag: list[ConsumerLag]
    outbox_backlog: int | None
    outbox_oldest_age_seconds: float | None
    dlq_messages: int | None = Field(description="Messages this service dead-lettered since it started.")


class PipelineOut(Out):
    checked_at: datetime
    all_ready: bool
    services: list[ServiceHealth]


class MissedDay(Out):
    day: date
    missed: int


class MissedByProvider(Out):
    provider_id: str
    provider_name: str | None
    missed: int


class MissedVisitOut(Out):
    visit_key: str
    local_date: date
    carers: int = Field(description="Carers the visit needed.")
    alerted: bool = Field(description="A live safeguarding alert said it.")
    confirmed: bool = Field(description="Its week's confirmation listed it as missed.")
    person_ref: str
    provider_id: str
    provider_name: str | None


class MissedVisitsOut(Out):
    from_: date = Field(alias="from")
    to: date
    missed: int = Field(description="Missed visits dated in the range (a double-up counts once).")
    by_day: list[MissedDay]
    by_provider: list[MissedByProvider]
    recent: list[MissedVisitOut] = Field(description="A page of the missed visits, newest first (`limit`, `after` "
                                                     "and the Link header as every list); the counts above are "
                                                     "of every one in the range.")
