"""What the agreements API accepts and returns. Rates, visits and rules reuse the contract's models, bounded
for input (`fields`); rules between fields are stated in the schema too (`schema_rules`).

Direct payments' models are in `direct_payment_models`, personal assistants' in `personal_assistant_models`,
rate uplifts' in `rate_uplift_models`."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from contracts.agreements import AgreementTerms, BankAccount, CommitmentLine, EndReason, Rate, SuspensionPeriod, \
    SuspensionReason
from contracts.common import Cycle, Funding, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from services.agreements.api import schema_rules as rules
from services.agreements.api.fields import (AccountNumber, CareService, CostCentre, CqcId, Day, RatesIn, Ref,
                                            ScheduledVisitIn, SortCode, VisitRulesIn, WeeklyUnits, text)

PersonRef = Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BankAccountIn(In):
    sort_code: SortCode
    account_number: AccountNumber
    account_name: text(70, 1)

    def account(self) -> BankAccount:
        return BankAccount(**self.model_dump())

    def __repr__(self) -> str:  # never let the account reach a log line through a repr
        return "BankAccountIn(****)"


class SelfBillingIn(In):
    """`agreed_on`, the date of the written self-billing agreement, exactly when one is `in_place`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": rules.self_billing()})

    in_place: StrictBool
    agreed_on: Day | None = None


class SelfBillingOut(BaseModel):
    in_place: bool
    agreed_on: date | None


class ProviderIn(In):
    name: text(200, 1)
    cqc_provider_id: CqcId
    cqc_location_ids: list[CqcId] = Field(default_factory=list, max_length=200)
    service_types: list[CareService] = Field(min_length=1, max_length=len(ServiceType))
    bank_account: BankAccountIn
    self_billing: SelfBillingIn

    @field_validator("service_types")
    @classmethod
    def _once_each(cls, value: list[ServiceType]) -> list[ServiceType]:
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
    self_billing: SelfBillingOut
    bank_details: BankDetailsOut | None = Field(default=None, description="Shown to finance officers only.")


class BankChangeOut(BaseModel):
    provider_id: str
    change_id: str
    status: str


class DecisionIn(In):
    reason: text(500) | None = None


class RateCardIn(In):
    service_type: CareService
    effective_from: Day
    effective_to: Day | None = Field(default=None, description="Last day in force; not before effective_from.")
    rates: RatesIn


class RateCardOut(BaseModel):
    rate_card_id: str
    provider_id: str
    service_type: ServiceType
    unit: RateUnit
    effective_from: date
    effective_to: date | None
    rates: list[Rate]


class TermsIn(In):
    """A draft's details. Give `rates`, or a `rate_card_id` of the provider to copy its rates. Actuals need a
    schedule and no weekly rate; a plan needs weekly units or a schedule; every planned visit needs a rate for
    its time band on its kind of day and on a bank holiday; weekly units need the standard rate."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": rules.draft_terms()})

    provider_id: Ref
    payment_basis: PaymentBasis
    cycle: Cycle
    start: Day
    end: Day | None = Field(default=None, description="Last payable day; not before start.")
    concurrent: StrictBool = False
    rates: RatesIn | None = None
    rate_card_id: Ref | None = None
    schedule: list[ScheduledVisitIn] = Field(default_factory=list, max_length=100)
    weekly_units: WeeklyUnits | None = None
    visit_rules: VisitRulesIn = Field(default_factory=VisitRulesIn)
    funding: Funding = Field(default=Funding.COUNCIL, description=(
        "managed_account: paid from the account of the council-managed direct payment `direct_payment_id` "
        "(agreed, not ended, the same person's)."))
    direct_payment_id: Ref | None = Field(default=None, description="Exactly when funding is managed_account.")
    cost_centre: CostCentre | None = Field(default=None, description=(
        "The council cost centre its spend is charged to (1-40 letters, digits, '-' or '_'); none: keep the "
        "draft's, which the council's rule gave it (CAREPAY_AGREEMENTS_COST_CENTRES)."))


class AgreementIn(TermsIn):
    person_ref: PersonRef
    service_type: CareService
    request_id: Ref | None = None


class VariationIn(In):
    """What changes from `effective_from` (the rest carries over): new `rates` or a `rate_card_id`, not both."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": rules.rates_or_rate_card()})

    effective_from: Day
    reason: text(500, 1)
    rates: RatesIn | None = None
    rate_card_id: Ref | None = None
    schedule: list[ScheduledVisitIn] | None = Field(default=None, max_length=100)
    weekly_units: WeeklyUnits | None = None
    visit_rules: VisitRulesIn | None = None
    cost_centre: CostCentre | None = Field(default=None, description=(
        "A new cost centre for the agreement from now on (1-40 letters, digits, '-' or '_'); none: unchanged."))


class SuspendIn(In):
    suspended_from: Day
    reason: SuspensionReason
    note: text(500) | None = None


class ResumeIn(In):
    resumed_on: Day
    note: text(500) | None = None


class EndIn(In):
    end: Day = Field(description="Last payable day.")
    reason: EndReason
    note: text(500) | None = None


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
