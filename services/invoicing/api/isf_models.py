"""What the ISF returns and balances API accepts and answers (money in pence, hours to the hundredth).

Kept beside `models.py` (the invoices' models) as the models of one more resource."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from shared.bounds import Reference, text
from shared.uploads import ColumnReport
from services.invoicing.api.models import MAX_PENCE, BusinessDay
from services.invoicing.domain.isf_returns import MAX_REASON, MAX_TEXT, ReturnLine, ReturnSubmission
from services.invoicing.store.isf_returns import ReturnOnFile

MAX_RETURN_LINES = 1000
Text = text(MAX_TEXT)
SupportType = text(MAX_TEXT, 1, says_something=True)
OverBudgetReason = text(MAX_REASON)


HOURS = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")


def _hours(value: Any) -> Any:
    """Hours as a decimal string to the hundredth: a JSON number is a binary fraction, never exactly 12.30."""
    if isinstance(value, Decimal) or (isinstance(value, str) and HOURS.fullmatch(value)):
        return value
    shown = repr(value[:20]) if isinstance(value, str) else f"the {type(value).__name__} {str(value)[:20]}"
    raise ValueError(f"{shown} is not hours as a string with at most two decimal places (e.g. \"12.50\")")


Hours = Annotated[Decimal, BeforeValidator(_hours), WithJsonSchema({
    "type": "string", "pattern": f"^{HOURS.pattern}$", "maxLength": 10,
    "description": "Hours of support as a string, to at most two decimal places (\"12.50\", \"8\")."})]


class IsfReturnLineIn(BaseModel):
    """One line of spend: the type of support, who delivered it (null: the provider itself), hours, pence."""

    model_config = ConfigDict(extra="forbid")

    support_type: SupportType = Field(
        description="What the spend bought (not blank).")
    subcontractor: Text | None = None
    hours: Hours
    spend_pence: int = Field(ge=0, le=MAX_PENCE)


class IsfReturnIn(BaseModel):
    """A provider's return for one ISF and one four-weekly period (`period_start`, the period's first day)."""

    model_config = ConfigDict(extra="forbid")

    person_ref: Reference
    period_start: BusinessDay = Field(description="The first day of the four-weekly period, which is over.")
    lines: list[IsfReturnLineIn] = Field(min_length=1, max_length=MAX_RETURN_LINES)
    over_budget_reason: OverBudgetReason | None = None

    def submission(self) -> ReturnSubmission:
        return ReturnSubmission(self.person_ref, self.period_start, tuple(
            ReturnLine(x.support_type, x.subcontractor or None, x.hours, x.spend_pence, where=f"lines[{n}].")
            for n, x in enumerate(self.lines)), self.over_budget_reason)


class HoldOut(BaseModel):
    code: str
    message: str


class SupportOut(BaseModel):
    support_type: str
    hours: Decimal
    spend_pence: int


class SubcontractorOut(BaseModel):
    subcontractor: str
    spend_pence: int


class ReclaimOut(BaseModel):
    amount_pence: int
    method: Literal["next_advance", "credit_note"]
    credit_note_id: str


class IsfReturnOut(BaseModel):
    return_id: str
    agreement_id: str
    provider_id: str
    person_ref: str
    period_start: date
    period_end: date
    budget_pence: int
    spend_pence: int
    status: Literal["accepted", "held"]
    holds: list[HoldOut]
    over_budget_reason: str | None
    by_support: list[SupportOut]
    by_subcontractor: list[SubcontractorOut]
    balance_pence: int | None = Field(description="What the provider holds for the person after this return"
                                                  " (before any reclaim); null while held, and while an earlier period's return"
                                                  " is held or missing (it is settled after that one).")
    reclaim: ReclaimOut | None


def isf_return_out(found: ReturnOnFile) -> IsfReturnOut:
    r = found.isf_return
    reclaim = found.reclaim
    return IsfReturnOut(
        return_id=r.return_id, agreement_id=r.agreement_id, provider_id=r.provider_ref, person_ref=r.person_ref,
        period_start=r.period.first, period_end=r.period.last, budget_pence=r.budget_pence,
        spend_pence=r.spend_pence, status=r.status.value,
        holds=[HoldOut(code=h.code.value, message=h.message) for h in r.holds],
        over_budget_reason=r.over_budget_reason,
        by_support=[SupportOut(support_type=s.support_type, hours=s.hours, spend_pence=s.spend_pence)
                    for s in r.by_support],
        by_subcontractor=[SubcontractorOut(subcontractor=s.subcontractor, spend_pence=s.spend_pence)
                          for s in r.by_subcontractor],
        balance_pence=r.balance_pence,
        reclaim=ReclaimOut(amount_pence=reclaim.amount_pence, method=reclaim.method,
                           credit_note_id=reclaim.credit_note_id) if reclaim else None)


class IsfBalanceOut(BaseModel):
    agreement_id: str
    provider_id: str
    person_ref: str
    advanced_pence: int
    spent_pence: int
    reclaimed_pence: int
    balance_pence: int
    retained_pence: int


class IsfReturnFileOut(BaseModel):
    """What a CSV file of returns recorded: each return (accepted, or held for an officer), in the file's order,
    and which of the header's columns were read."""

    returns: list[IsfReturnOut]
    columns: ColumnReport
