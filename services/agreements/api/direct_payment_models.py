"""What the direct-payments API accepts and returns: completing, varying and reviewing a direct payment."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.agreements import EndReason
from contracts.common import Cycle, Nominee, SpendMechanism
from services.agreements.api import schema_rules as rules
from services.agreements.api.fields import Day, Ref, text, whole
from services.agreements.api.models import BankAccountIn, CommitmentOut, In


class DirectPaymentCompleteIn(In):
    nominee: Nominee | None = Field(default=None, description="Defaults to the nominee chosen with the request.")
    payee_account: BankAccountIn
    start: Day | None = Field(default=None, description="Defaults to the requested start.")
    first_review_due: Day | None = Field(default=None, description=(
        "After the start and within 6 months of it; defaults to 6 months on."))
    review_interval_months: whole(ge=1, le=12) | None = Field(default=None, description="Between later reviews (12).")


class PaymentTermsOut(BaseModel):
    version: int | None = Field(description="None for a variation not (yet) in force.")
    effective_from: date
    weekly_budget_pence: int
    weekly_contribution_pence: int
    amount_per_four_weeks_pence: int | None
    cycle: Cycle
    reassessment_id: str | None


class DirectPaymentOut(BaseModel):
    agreement_id: str
    request_id: str | None
    person_ref: str
    status: str
    nominee: Nominee | None
    mechanism: SpendMechanism | None
    weekly_budget_pence: int = Field(description="The latest version's, as are the next three fields.")
    weekly_contribution_pence: int
    amount_per_four_weeks_pence: int | None
    cycle: Cycle
    version: int
    versions: list[PaymentTermsOut] = Field(description="Every version, oldest first; each wins from its date.")
    start: date
    first_review_due: date | None
    review_interval_months: int
    review_dates: list[date] = Field(description="Reviews due in the first three years, as first planned.")
    end: date | None
    end_reason: EndReason | None
    payee_account: str | None = Field(description="Last four digits only.")
    commitment: CommitmentOut | None = None


class DirectPaymentVariationIn(In):
    """What changes from `effective_from`; the rest carries over, or comes from the reassessment named. Give
    `effective_from` or a `reassessment_id` (whose date it then takes)."""

    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"allOf": rules.at_least_one_of("effective_from", "reassessment_id")})

    effective_from: Day | None = Field(default=None, description="Required unless a reassessment gives it.")
    weekly_budget_pence: whole(ge=0, le=100_000_000) | None = None
    weekly_contribution_pence: whole(ge=0, le=100_000_000) | None = Field(default=None, description=(
        "Less than the weekly budget (given here or in force): there must be something to pay."))
    cycle: Cycle | None = None
    reassessment_id: Ref | None = None
    reason: text(500) | None = Field(default=None, description="Kept in the audit log only.")


class DirectPaymentVariationOut(PaymentTermsOut):
    variation_id: str
    agreement_id: str
    status: str = Field(description="pending (awaiting a second person), in_force or superseded.")
    requested_by: str
    approved_by: str | None
    direct_payment: DirectPaymentOut | None = None


class DirectPaymentReviewIn(In):
    reviewed_on: Day = Field(description="Not before the direct payment's start, nor after today.")
    outcome: Literal["continue", "vary", "end"]
    note: text(1000) | None = Field(default=None, description="Kept in the audit log only.")


class DirectPaymentReviewOut(BaseModel):
    agreement_id: str
    person_ref: str
    next_review_due: date
    last_reviewed_on: date | None
    status: str = Field(description="overdue, due (within 28 days), done (reviewed within the interval) or upcoming.")
