"""What the personal-assistants API accepts and returns: a direct payment's PAs, their rates and accounts."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.agreements import PersonalAssistantRate
from services.agreements.api import schema_rules as rules
from services.agreements.api.fields import Day, PaRatesIn, text
from services.agreements.api.models import BankAccountIn, BankDetailsOut, In

EmployeeRef = Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,39}$",
                                   description="The employer's payroll number for the PA, unique within the direct "
                                               "payment: letters, digits and . _ / - with no spaces (a number, "
                                               "never a name: it travels in events and the payroll export).")]
PaRates = Annotated[PaRatesIn, Field(
    description="Hourly rates by time band and, optionally, kind of day: at least the day rate with no "
                "day_category; each band and kind of day once.")]


class PersonalAssistantIn(In):
    name: text(200, 1) = Field(description="Kept in agreements only: never in an event or a log line.")
    employee_ref: EmployeeRef
    employed_from: Day = Field(description="Not before the direct payment's start.")
    employed_to: Day | None = Field(default=None, description="Last day employed (inclusive); not before "
                                                              "employed_from.")
    rates: PaRates
    bank_account: BankAccountIn

    def __repr__(self) -> str:  # neither the name nor the account may reach a log line through a repr
        return f"PersonalAssistantIn(employee_ref={self.employee_ref!r}, ****)"


class PersonalAssistantChangeIn(In):
    """New rates and/or a new end of employment (`employed_to: null` makes it open-ended again): at least one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "allOf": rules.at_least_one_of("rates", "employed_to", nullable=("employed_to",))})

    rates: PaRates | None = None
    employed_to: Day | None = Field(default=None, description="Not before the PA's employed_from.")


class PersonalAssistantOut(BaseModel):
    pa_id: str
    direct_payment_id: str
    person_ref: str
    name: str | None = Field(description="Shown to officers and to the direct payment's own person only.")
    employee_ref: str
    employed_from: date
    employed_to: date | None
    rates: list[PersonalAssistantRate]
    bank_details: BankDetailsOut = Field(description="The account payments use, masked to its last four digits.")


class PersonalAssistantBankChangeOut(BaseModel):
    pa_id: str
    change_id: str
    status: str
