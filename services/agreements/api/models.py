"""What the agreements API accepts and returns. Rates, visits and rules reuse the contract's models."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from contracts.agreements import (AgreementTerms, BankAccount, CommitmentLine, DayCategory, EndReason,
                                  PersonalAssistantRate, Rate, ScheduledVisit, SuspensionPeriod, SuspensionReason,
                                  TimeBand, VisitRules)
from contracts.common import Cycle, Funding, Nominee, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from services.agreements.domain import providers as register
from shared.bounds import Name, Reference
from shared.clock import PlausibleDate

CqcId = Annotated[str, StringConstraints(max_length=20), AfterValidator(register.cqc_id)]
PersonRef = Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-_]{2,39}$")]
AccountDigits = Annotated[str, StringConstraints(max_length=20)]  # digits, dashes and spaces as typed


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BankAccountIn(In):
    sort_code: Annotated[AccountDigits, AfterValidator(register.sort_code)] = Field(
        description="6 digits; dashes and spaces allowed.")
    account_number: Annotated[AccountDigits, AfterValidator(register.account_number)] = Field(description="8 digits.")
    account_name: str = Field(min_length=1, max_length=70)

    def account(self) -> BankAccount:
        return BankAccount(**self.model_dump())

    def __repr__(self) -> str:  # never let the account reach a log line through a repr
        return "BankAccountIn(****)"


class SelfBillingIn(In):
    in_place: bool
    agreed_on: PlausibleDate | None = None


class ProviderIn(In):
    name: str = Field(min_length=1, max_length=200)
    cqc_provider_id: CqcId
    cqc_location_ids: list[CqcId] = Field(default_factory=list, max_length=200)
    service_types: list[ServiceType] = Field(min_length=1, max_length=len(ServiceType))
    bank_account: BankAccountIn
    self_billing: SelfBillingIn

    @field_validator("service_types")
    @classmethod
    def _care_services_only(cls, value: list[ServiceType]) -> list[ServiceType]:
        if ServiceType.DIRECT_PAYMENT in value:
            raise ValueError("a provider offers care services; direct_payment is not one")
        return sorted(set(value))


class BankDetailsOut(BaseModel):
    status: str = Field(description="unverified, verified or rejected: the latest change.")
    pending_change_id: str | None
    verified_account: str | None = Field(description="Last four digits of the account payments use.")
    payments_held: bool


class ProviderOut(BaseModel):
    provider_id: str
    name: str
    cqc_provider_id: str
    cqc_location_ids: list[str]
    service_types: list[ServiceType]
    self_billing: SelfBillingIn
    bank_details: BankDetailsOut | None = Field(default=None, description="Shown to finance officers only.")


class BankChangeOut(BaseModel):
    provider_id: str
    change_id: str
    status: str


class DecisionIn(In):
    reason: str | None = Field(default=None, max_length=500)


class RateCardIn(In):
    service_type: ServiceType
    effective_from: PlausibleDate
    effective_to: PlausibleDate | None = None
    rates: list[Rate] = Field(min_length=1, max_length=50)


class RateCardOut(BaseModel):
    rate_card_id: str
    provider_id: str
    service_type: ServiceType
    unit: RateUnit
    effective_from: date
    effective_to: date | None
    rates: list[Rate]


class TermsIn(In):
    """A draft's details. Give `rates`, or a `rate_card_id` of the provider to copy its rates."""

    provider_id: Reference
    payment_basis: PaymentBasis
    cycle: Cycle
    start: PlausibleDate
    end: PlausibleDate | None = None
    concurrent: bool = False
    rates: list[Rate] | None = Field(default=None, max_length=50)
    rate_card_id: Reference | None = None
    schedule: list[ScheduledVisit] = Field(default_factory=list, max_length=100)
    weekly_units: Decimal | None = Field(default=None, ge=0, max_digits=8, decimal_places=2)
    visit_rules: VisitRules = Field(default_factory=VisitRules)
    funding: Funding = Field(default=Funding.COUNCIL, description=(
        "managed_account: paid from the account of the council-managed direct payment `direct_payment_id` "
        "(agreed, not ended, the same person's)."))
    direct_payment_id: Reference | None = Field(default=None, description="Exactly when funding is managed_account.")
    cost_centre: str | None = Field(default=None, max_length=100, description=(
        "The council cost centre its spend is charged to (1-40 letters, digits, '-' or '_'); none: keep the "
        "draft's, which the council's rule gave it (CAREPAY_AGREEMENTS_COST_CENTRES)."))


class AgreementIn(TermsIn):
    person_ref: PersonRef
    service_type: ServiceType
    request_id: Reference | None = None

    @field_validator("service_type")
    @classmethod
    def _not_direct_payment(cls, value: ServiceType) -> ServiceType:
        if value is ServiceType.DIRECT_PAYMENT:
            raise ValueError("a direct payment is arranged under /direct-payments, not as an agreement")
        return value


class VariationIn(In):
    effective_from: PlausibleDate
    reason: str = Field(min_length=1, max_length=500)
    rates: list[Rate] | None = Field(default=None, max_length=50)
    rate_card_id: Reference | None = None
    schedule: list[ScheduledVisit] | None = Field(default=None, max_length=100)
    weekly_units: Decimal | None = Field(default=None, ge=0, max_digits=8, decimal_places=2)
    visit_rules: VisitRules | None = None
    cost_centre: str | None = Field(default=None, max_length=100, description=(
        "A new cost centre for the agreement from now on (1-40 letters, digits, '-' or '_'); none: unchanged."))


class SuspendIn(In):
    suspended_from: PlausibleDate
    reason: SuspensionReason
    note: str | None = Field(default=None, max_length=500)


class ResumeIn(In):
    resumed_on: PlausibleDate
    note: str | None = Field(default=None, max_length=500)


class EndIn(In):
    end: PlausibleDate = Field(description="Last payable day.")
    reason: EndReason
    note: str | None = Field(default=None, max_length=500)


class CommitmentOut(BaseModel):
    person_ref: str
    as_of: date
    weekly_budget_pence: int | None
    weekly_commitment_pence: int
    annual_commitment_pence: int
    exceeded: bool
    exceeded_by_weekly_pence: int
    lines: list[CommitmentLine]


class AgreementOut(BaseModel):
    agreement_id: str
    status: str
    request_id: str | None
    person_ref: str
    service_type: ServiceType
    provider_id: str | None
    preferred_provider_id: str | None
    payment_basis: PaymentBasis | None
    cycle: Cycle | None
    start: date | None
    end: date | None
    concurrent: bool
    end_reason: EndReason | None
    terms: list[AgreementTerms]
    suspensions: list[SuspensionPeriod]
    mechanism: SpendMechanism
    funding: Funding
    direct_payment_id: str | None
    cost_centre: str | None = Field(description="The council cost centre its spend is charged to.")
    commitment: CommitmentOut | None = Field(default=None, description="The person's commitment after this change.")


class DayPriceOut(BaseModel):
    day: date
    pence: int
    version: int | None


class PricesOut(BaseModel):
    agreement_id: str
    total_pence: int
    days: list[DayPriceOut]


class ShortlistEntryOut(BaseModel):
    provider_id: str
    name: str
    rate_card_id: str
    unit: RateUnit
    standard_rate_pence: int
    weekly_cost_pence: int | None = Field(description="The draft's planned week at this provider's rates.")


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


class ReceivedRequestOut(BaseModel):
    request_id: str
    person_ref: str
    requested_start: date
    times_recorded: int


class AuditOut(BaseModel):
    action: str
    actor_id: str
    actor_role: str
    reason: str | None
    at: datetime


# --- personal assistants --------------------------------------------------------------------------------

EmployeeRef = Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,39}$",
                                   description="The employer's payroll number for the PA, unique within the direct "
                                               "payment: letters, digits and . _ / - with no spaces (a number, "
                                               "never a name: it travels in events and the payroll export).")]
PaRates = Annotated[list[PersonalAssistantRate], Field(
    min_length=1, max_length=len(TimeBand) * (len(DayCategory) + 1),
    description="Hourly rates by time band and, optionally, kind of day: at least the day rate with no "
                "day_category; each band and kind of day once.")]


class PersonalAssistantIn(In):
    name: Name = Field(description="Kept in agreements only: never in an event or a log line.")
    employee_ref: EmployeeRef
    employed_from: PlausibleDate = Field(description="Not before the direct payment's start.")
    employed_to: PlausibleDate | None = Field(default=None, description="Last day employed (inclusive).")
    rates: PaRates
    bank_account: BankAccountIn

    def __repr__(self) -> str:  # neither the name nor the account may reach a log line through a repr
        return f"PersonalAssistantIn(employee_ref={self.employee_ref!r}, ****)"


class PersonalAssistantChangeIn(In):
    """New rates and/or a new end of employment (`employed_to: null` makes it open-ended again)."""

    rates: PaRates | None = None
    employed_to: PlausibleDate | None = None


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


class RateUpliftIn(In):
    """The provider's rate card for `service_type` in force on `effective_from`, applied to its agreements."""

    service_type: ServiceType
    effective_from: PlausibleDate = Field(description=(
        "The first day of the new rates; a past date varies back-dated (within each agreement's start and end)."))
    preview: bool = Field(default=False, description="True: answer what would change, and change nothing.")


class UpliftVariedOut(BaseModel):
    agreement_id: str
    person_ref: str
    weekly_before_pence: int = Field(description="The seven days from effective_from under the terms then in force.")
    weekly_after_pence: int = Field(description="The same seven days under the card's rates.")
    rate_card_id: str
    version: int | None = Field(description="The version the variation made; None in a preview.")
    reason: str = Field(description="Why it changes, e.g. negotiated rates replaced by the card.")


class UpliftSkippedOut(BaseModel):
    agreement_id: str
    reason: str


class RateUpliftOut(BaseModel):
    rate_uplift_id: str | None = Field(description="None in a preview: nothing was stored.")
    preview: bool
    provider_id: str
    service_type: ServiceType
    effective_from: date
    rate_card_id: str = Field(description="The card in force on effective_from.")
    applied_by: str | None = None
    applied_at: datetime | None = None
    varied: list[UpliftVariedOut]
    skipped: list[UpliftSkippedOut]
