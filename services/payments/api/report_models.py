"""What the payments reports answer (reports.py): the payments compliance notice, the transparency lists and
the run calendar. Money in integer pence; shares are percentages for display, never money."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from contracts.common import ServiceType


class PromptPaymentFiguresOut(BaseModel):
    invoices_paid: int
    value_paid_pence: int
    average_days_to_pay: float = Field(description="Days from the day after receipt to the day paid, one decimal")
    paid_within_30_days_pct: float
    paid_31_to_60_days_pct: float
    paid_after_60_days_pct: float
    paid_within_30_days_of_valid_pct: float = Field(description="Counted from when the invoice became payable "
                                                                "(valid and undisputed)")


class ProviderFiguresOut(PromptPaymentFiguresOut):
    provider_id: str
    name: str | None


class PromptPaymentOut(BaseModel):
    """The payments compliance notice (Procurement Act 2023 s69; Procurement Regulations 2024 reg. 38)."""

    notice: str
    council: str
    period_start: date
    period_end: date
    payment_term_days: int
    day_one: str = Field(description="How the days are counted")
    overall: PromptPaymentFiguresOut
    payable_not_paid_in_period_pct: float
    by_provider: list[ProviderFiguresOut]
    approval: str


class PublishedPaymentOut(BaseModel):
    paid_on: date
    payment_reference: str
    payee_id: str
    payee: str = Field(description="The provider's name")
    amount_pence: int
    service_types: list[str]
    cost_centres: list[str]


class TransparencyOut(BaseModel):
    """Provider payments over a threshold, for publication: no personal data."""

    over_pounds: Literal[500, 30000]
    from_: date = Field(alias="from")
    to: date
    payments: list[PublishedPaymentOut]

    model_config = {"populate_by_name": True}


class CalendarRunOut(BaseModel):
    """A run of the council's calendar and its Bacs dates."""

    kind: Literal["weekly", "four_weekly"]
    pay_date: date = Field(description="The day the money reaches payees (a working day)")
    submit_by: date = Field(description="The last day to submit the Bacs file (input day)")
    processing_day: date = Field(description="The day Bacs processes it (the date UHL1 carries)")
    include_direct_payments: bool
    service_types: list[ServiceType]
