"""What the direct-payments API accepts and returns: completing, varying and reviewing a direct payment."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from contracts.agreements import EndReason
from contracts.common import Cycle, Nominee, SpendMechanism
from services.agreements.api.models import BankAccountIn, CommitmentOut, In
from shared.bounds import Reference
from shared.clock import PlausibleDate


class DirectPaymentCompleteIn(In):
    nominee: Nominee | None = Field(default=None, description="Defaults to the nominee chosen with the request.")
    payee_account: BankAccountIn
    start: PlausibleDate | None = Field(default=None, description="Defaults to the requested start.")
    first_review_due: PlausibleDate | None = Field(default=None, description="Within 6 months of start; defaults to 6 months.")
    review_interval_months: int | None = Field(default=None, ge=1, le=12, description="Between later reviews (12).")


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
    """What changes from `effective_from`; the rest carries over, or comes from the reassessment named."""
    effective_from: PlausibleDate | None = Field(default=None, description="Required unless a reassessment gives it.")
    weekly_budget_pence: StrictInt | None = Field(default=None, ge=0, le=100_000_000)
    weekly_contribution_pence: StrictInt | None = Field(default=None, ge=0, le=100_000_000)
    cycle: Cycle | None = None
    reassessment_id: Reference | None = None
    reason: str | None = Field(default=None, max_length=500, description="Kept in the audit log only.")


class DirectPaymentVariationOut(PaymentTermsOut):
    variation_id: str
    agreement_id: str
    status: str = Field(description="pending (awaiting a second person), in_force or superseded.")
    requested_by: str
    approved_by: str | None
    direct_payment: DirectPaymentOut | None = None


class DirectPaymentReviewIn(In):
    reviewed_on: PlausibleDate
    outcome: Literal["continue", "vary", "end"]
    note: str | None = Field(default=None, max_length=1000, description="Kept in the audit log only.")


class DirectPaymentReviewOut(BaseModel):
    agreement_id: str
    person_ref: str
    next_review_due: date
    last_reviewed_on: date | None
    status: str = Field(description="overdue, due (within 28 days), done (reviewed within the interval) or upcoming.")
