"""What the agreements API accepts and returns. Rates, visits and rules reuse the contract's models.

Direct payments' models are in `direct_payment_models`, personal assistants' in `personal_assistant_models`,
rate uplifts' in `rate_uplift_models`."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from contracts.agreements import (AgreementTerms, BankAccount, CommitmentLine, EndReason, Rate, ScheduledVisit,
                                  SuspensionPeriod, SuspensionReason, VisitRules)
from contracts.common import Cycle, Funding, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from services.agreements.domain import providers as register
from shared.bounds import Reference
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
