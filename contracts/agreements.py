"""Events published by the agreements service on `agreements.events`.

Keys: provider events by `provider_id`, agreement and direct-payment events by `agreement_id`,
commitment events by `person_ref`, so each aggregate's events stay in order.

Every agreement event carries the whole agreement as it stands after the change (parties,
basis, cycle, dates, every version of its terms, its suspensions), so a consumer replaces its
copy with the latest event and needs nothing else. Reading an agreement on a local date D
(Europe/London):
- nothing is payable before `start`, after `end` (inclusive last day), or on a day inside a
  suspension (`suspended_from` <= D < `resumed_on`);
- the terms in force on D are those of the highest `version` whose `effective_from` <= D (a later
  variation supersedes every earlier one from its own date on, even when back-dated).

No event on this topic carries bank details, a payee's name, an account fingerprint or a free-text
reason: the topic is kept for ever and read in full by services that need only a yes/no (is this
provider's account verified?). Bank details go to payments alone, on `agreements.payee-accounts`
(contracts.payee_accounts), published in the same transaction as the yes/no event here. Reasons
stay in agreements' own audit log; events carry only reason codes (EndReason, SuspensionReason).

Version 1 of `ProviderBankDetailsChanged`, `ProviderBankDetailsVerified` and `DirectPaymentAgreed`
carried the account (or its fingerprint): they stay registered only so records already on the topic
still decode; nothing publishes them.
"""
from __future__ import annotations

import hashlib
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from contracts.common import (Cycle, Funding, Nominee, PaymentBasis, RateUnit, RoundingPolicy, ServiceType,
                              SpendMechanism, direct_payment_mechanism)
from contracts.envelope import Event
from contracts.registry import register
from shared.calendar import is_bank_holiday

TOPIC = "agreements.events"


class TimeBand(StrEnum):
    """Part of the day a visit starts in: day 07:00-18:59, evening 19:00-21:59, night 22:00-06:59."""

    DAY = "day"
    EVENING = "evening"
    NIGHT = "night"


class DayCategory(StrEnum):
    """Kind of day: a bank holiday in England counts as bank_holiday even on a weekend."""

    WEEKDAY = "weekday"
    WEEKEND = "weekend"
    BANK_HOLIDAY = "bank_holiday"


# The bands of TimeBand: a visit is priced wholly in the band its planned start falls in.
DAY_FROM, EVENING_FROM, NIGHT_FROM = time(7), time(19), time(22)


def time_band_of(start: time) -> TimeBand:
    """The band a visit starting at local time `start` is priced in."""
    if DAY_FROM <= start < EVENING_FROM:
        return TimeBand.DAY
    if EVENING_FROM <= start < NIGHT_FROM:
        return TimeBand.EVENING
    return TimeBand.NIGHT


def day_category_of(day: date) -> DayCategory:
    """The kind of a local day: a bank holiday in England counts as one even on a weekend."""
    if is_bank_holiday(day):
        return DayCategory.BANK_HOLIDAY
    return DayCategory.WEEKEND if day.weekday() >= 5 else DayCategory.WEEKDAY


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class EndReason(StrEnum):
    DEATH = "death"
    NEEDS_CHANGED = "needs_changed"
    MOVED_AWAY = "moved_away"
    PROVIDER_CHANGED = "provider_changed"
    PERSON_CHOICE = "person_choice"
    OTHER = "other"


class SuspensionReason(StrEnum):
    HOSPITAL = "hospital"
    RESPITE = "respite"
    OTHER = "other"


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rate(_Value):
    """One price. With no time band and no day category it is the standard rate."""

    unit: RateUnit
    amount_pence: int = Field(ge=0)
    time_band: TimeBand | None = Field(default=None, description="Applies to visits starting in this band.")
    day_category: DayCategory | None = Field(default=None, description="Applies on this kind of day.")


# A London wall-clock time, sent as "09:00:00" with no offset: RFC 3339's partial-time. JSON Schema's
# `time` format requires an offset, so documenting it as `time` (pydantic's default) misled readers.
LocalTime = Annotated[time, WithJsonSchema({"type": "string", "format": "partial-time"})]


class ScheduledVisit(_Value):
    """One recurring planned visit (or session/night) each week."""

    weekday: Weekday
    start_time: LocalTime = Field(description="Local wall-clock time, Europe/London.")
    duration_minutes: int = Field(gt=0, le=1440)
    carers_required: int = Field(default=1, ge=1, le=4, description="2 for a double-up visit.")


class VisitRules(_Value):
    """How delivered visits are verified and paid (docs/domain.md, "Visit rules": the defaults)."""

    rounding: RoundingPolicy = RoundingPolicy.NEAREST_15
    late_after_minutes: int = Field(default=30, ge=0, description="Check-in later than this after planned start is late.")
    short_below_percent: int = Field(default=75, ge=0, le=100, description="Attendance below this % of planned is short.")
    pay_frustrated: bool = Field(default=True, description="Pay a NOACCESS visit at planned duration.")
    pay_short_notice_cancellation: bool = Field(default=True, description="Pay a visit cancelled under 24h.")
    missed_cut_off: LocalTime | None = Field(default=None, description="Local time a visit with no attendance is missed; "
                                                                   "None means the end of its local day.")


class AgreementTerms(_Value):
    """One version of what was agreed, in force from `effective_from` until a later version's date."""

    version: int = Field(ge=1)
    effective_from: date
    rates: list[Rate] = Field(min_length=1, description="All in one unit; the most specific match applies.")
    schedule: list[ScheduledVisit] = Field(default_factory=list, description="Planned visits (actuals basis).")
    weekly_units: Decimal | None = Field(default=None, ge=0, decimal_places=2,
                                         description="Units paid each week (plan basis), e.g. 1 week or 37.5 hours.")
    visit_rules: VisitRules = Field(default_factory=VisitRules)
    rate_card_id: str | None = Field(default=None, description="Rate card the rates came from; None if negotiated.")
    reason: str | None = Field(default=None, description=(
        "Always None when published: the reason for a variation is free text (it may hold health details), "
        "kept in agreements' audit log. Set only in events from before."))


class SuspensionPeriod(_Value):
    suspended_from: date = Field(description="First day not payable.")
    resumed_on: date | None = Field(default=None, description="First day payable again; None while suspended.")
    reason: SuspensionReason


class BankAccount(_Value):
    """A UK bank account (only ever in events on `agreements.payee-accounts`, which only payments reads)."""

    sort_code: str = Field(pattern=r"^[0-9]{6}$")  # ASCII digits: \d would take any script's
    account_number: str = Field(pattern=r"^[0-9]{8}$")
    account_name: str = Field(min_length=1, max_length=70)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of this exact sort code, number and name: what `ProviderBankDetailsChanged`
        carries so payments can check a verification names the account that was entered."""
        return hashlib.sha256(f"carepay-bank-account/1|{self.sort_code}|{self.account_number}|"
                              f"{self.account_name}".encode()).hexdigest()


class SelfBilling(_Value):
    in_place: bool = Field(description="A written self-billing agreement with the provider exists.")
    agreed_on: date | None = None


class AgreementsEvent(Event):
    TOPIC: ClassVar[str] = TOPIC


# --- providers (key: provider_id) --------------------------------------------------------------

class ProviderEvent(AgreementsEvent):
    provider_id: str

    def aggregate_id(self) -> str:
        return self.provider_id


@register
class ProviderRegistered(ProviderEvent):
    """A provider joined the register. Its bank details follow as an unverified change."""

    EVENT_TYPE: ClassVar[str] = "ProviderRegistered"
    name: str
    cqc_provider_id: str
    cqc_location_ids: list[str]
    service_types: list[ServiceType]
    self_billing: SelfBilling


@register
class ProviderBankDetailsChanged(ProviderEvent):
    """New bank details were entered and await a second person's check: hold this provider's payments.

    No account, no fingerprint: payments learns those from `PayeeBankDetailsEntered`."""

    EVENT_TYPE: ClassVar[str] = "ProviderBankDetailsChanged"
    SCHEMA_VERSION: ClassVar[int] = 2
    change_id: str
    hold_payments: Literal[True] = True


@register
class ProviderBankDetailsVerified(ProviderEvent):
    """A second person verified the change: this provider's payments may go (to an account payments
    learns from `PayeeBankDetailsVerified`)."""

    EVENT_TYPE: ClassVar[str] = "ProviderBankDetailsVerified"
    SCHEMA_VERSION: ClassVar[int] = 2
    change_id: str
    hold_payments: Literal[False] = False


@register
class ProviderBankDetailsChangedV1(ProviderEvent):
    """Version 1, no longer published (it carried the account's fingerprint): decodes old records."""

    EVENT_TYPE: ClassVar[str] = "ProviderBankDetailsChanged"
    change_id: str
    account_fingerprint: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    hold_payments: Literal[True] = True


@register
class ProviderBankDetailsVerifiedV1(ProviderEvent):
    """Version 1, no longer published (it carried the account): decodes old records."""

    EVENT_TYPE: ClassVar[str] = "ProviderBankDetailsVerified"
    change_id: str
    bank_account: BankAccount
    hold_payments: Literal[False] = False


@register
class ProviderBankDetailsRejected(ProviderEvent):
    """The change was rejected. Payments stay held unless an earlier verified account stands."""

    EVENT_TYPE: ClassVar[str] = "ProviderBankDetailsRejected"
    change_id: str
    previous_account_stands: bool = Field(description="True when payments may go to the last verified account.")


@register
class RateCardPublished(ProviderEvent):
    """A provider's prices for one service type and unit over a date range.

    Published again, same `rate_card_id`, when a later card closes it: the latest event wins.
    """

    EVENT_TYPE: ClassVar[str] = "RateCardPublished"
    rate_card_id: str
    service_type: ServiceType
    unit: RateUnit
    effective_from: date
    effective_to: date | None = Field(default=None, description="Last day in force; None is open-ended.")
    rates: list[Rate] = Field(min_length=1)


# --- agreements (key: agreement_id) ------------------------------------------------------------

class AgreementEvent(AgreementsEvent):
    """The whole agreement (care package line) as it stands after the change this event names."""

    agreement_id: str
    request_id: str | None = None
    person_ref: str
    provider_id: str
    service_type: ServiceType
    payment_basis: PaymentBasis
    cycle: Cycle
    start: date
    end: date | None = Field(default=None, description="Last payable day; None while open-ended.")
    concurrent: bool = Field(default=False, description="May overlap another agreement of the same service type.")
    terms: list[AgreementTerms] = Field(min_length=1, description="Every version, oldest first.")
    suspensions: list[SuspensionPeriod] = Field(default_factory=list)
    mechanism: SpendMechanism = Field(default=SpendMechanism.COUNCIL_ARRANGED, description=(
        "council_arranged or isf; direct_payment_managed when the care is bought from a council-managed "
        "direct payment's account."))
    funding: Funding = Field(default=Funding.COUNCIL, description=(
        "managed_account: invoices under this agreement are paid from the managed account of "
        "`direct_payment_id`, each payment debiting the person's ledger."))
    direct_payment_id: str | None = Field(default=None, description=(
        "The council-managed direct payment (its agreement_id) that funds this agreement; set exactly when "
        "funding is managed_account."))
    cost_centre: str | None = Field(default=None, description=(
        "The council cost centre its spend is charged to (from the request's team or locality, or the "
        "council's rule for the service type); None: published before it was said (the default applies)."))

    @model_validator(mode="after")
    def _funding_names_its_account(self) -> AgreementEvent:
        managed = self.funding is Funding.MANAGED_ACCOUNT
        if managed != (self.direct_payment_id is not None):
            raise ValueError("direct_payment_id is set exactly when funding is managed_account")
        if managed and self.mechanism is not SpendMechanism.DIRECT_PAYMENT_MANAGED:
            raise ValueError("an agreement funded by a managed account has mechanism direct_payment_managed")
        return self

    def aggregate_id(self) -> str:
        return self.agreement_id


@register
class AgreementActivated(AgreementEvent):
    """The agreement is in force from `start`: plan visits and pay under its terms."""

    EVENT_TYPE: ClassVar[str] = "AgreementActivated"


@register
class AgreementVaried(AgreementEvent):
    """A new version of the terms applies from `effective_from` (earlier days keep their version)."""

    EVENT_TYPE: ClassVar[str] = "AgreementVaried"
    version: int = Field(ge=2)
    effective_from: date
    rate_uplift_id: str | None = Field(default=None, description=(
        "The rate uplift that varied it (a provider's new rate card applied to its agreements in one step)."))


@register
class AgreementSuspended(AgreementEvent):
    """Nothing is payable from `suspended_from` until resumed (e.g. hospital admission)."""

    EVENT_TYPE: ClassVar[str] = "AgreementSuspended"
    suspended_from: date
    reason: SuspensionReason


@register
class AgreementResumed(AgreementEvent):
    EVENT_TYPE: ClassVar[str] = "AgreementResumed"
    resumed_on: date


@register
class AgreementEnded(AgreementEvent):
    """Nothing after `end` is payable; anything already paid for later days is an overpayment."""

    EVENT_TYPE: ClassVar[str] = "AgreementEnded"
    reason: EndReason


# --- direct payments (key: agreement_id) -------------------------------------------------------

class DirectPaymentEvent(AgreementsEvent):
    agreement_id: str
    person_ref: str

    def aggregate_id(self) -> str:
        return self.agreement_id


class DirectPaymentTerms(DirectPaymentEvent):
    """The whole direct payment as it stands: who receives it, how much, how often, from when."""

    request_id: str | None = None
    nominee: Nominee
    start: date
    amount_per_four_weeks_pence: int = Field(gt=0, description="4 x (weekly budget - weekly contribution).")
    weekly_budget_pence: int = Field(ge=0)
    weekly_contribution_pence: int = Field(ge=0)
    first_review_due: date = Field(description="Within 6 months of start.")
    review_interval_months: int = Field(default=12, le=12, description="Later reviews at most this far apart.")
    cycle: Cycle = Field(default=Cycle.FOUR_WEEKLY, description=(
        "How often it is paid, in advance: four_weekly (28-day periods from `start`, in four-weekly runs) or "
        "weekly (7-day periods from `start`, in weekly runs)."))
    mechanism: SpendMechanism | None = Field(default=None, description=(
        "direct_payment_person, direct_payment_third_party or direct_payment_managed (from `nominee`; filled in "
        "when absent)."))

    @model_validator(mode="after")
    def _mechanism_from_nominee(self) -> DirectPaymentTerms:
        expected = direct_payment_mechanism(self.nominee)
        if self.mechanism is None:
            object.__setattr__(self, "mechanism", expected)
        elif self.mechanism is not expected:
            raise ValueError(f"a direct payment received by {self.nominee} has mechanism {expected}")
        return self


@register
class DirectPaymentAgreed(DirectPaymentTerms):
    """A direct payment, paid in advance from `start`, net of the person's contribution.

    No payee account (it may be a private person's, in their name): payments learns it from
    `DirectPaymentPayeeAccountSet`."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentAgreed"
    SCHEMA_VERSION: ClassVar[int] = 2


@register
class DirectPaymentVaried(DirectPaymentTerms):
    """A live direct payment changed from `effective_from` (amount, frequency or contribution, e.g. after a
    reassessment): the fields are the payment as it now stands. Days before `effective_from` keep the old
    terms; payments corrects days from `effective_from` already paid in advance, exactly."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentVaried"
    version: int = Field(ge=2, description="1 is the agreed payment; each variation adds one.")
    effective_from: date
    reassessment_id: str | None = Field(default=None, description="The reassessment (requests) it follows, if any.")


@register
class DirectPaymentAgreedV1(DirectPaymentEvent):
    """Version 1, no longer published (it carried the payee's account and name): decodes old records."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentAgreed"
    request_id: str | None = None
    nominee: Nominee
    payee_account: BankAccount
    start: date
    amount_per_four_weeks_pence: int = Field(gt=0, description="4 x (weekly budget - weekly contribution).")
    weekly_budget_pence: int = Field(ge=0)
    weekly_contribution_pence: int = Field(ge=0)
    first_review_due: date = Field(description="Within 6 months of start.")
    review_interval_months: int = Field(default=12, le=12, description="Later reviews at most this far apart.")
    cycle: Cycle = Cycle.FOUR_WEEKLY


@register
class DirectPaymentEnded(DirectPaymentEvent):
    """No direct payment is due for any day after `end`."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentEnded"
    end: date
    reason: EndReason


@register
class DirectPaymentReviewed(DirectPaymentEvent):
    """An officer reviewed the direct payment (the first within six months of its start, then at least every
    twelve months): `next_review_due` is when the next is due."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentReviewed"
    reviewed_on: date
    next_review_due: date
    outcome: Literal["continue", "vary", "end"]


# --- personal assistants (key: pa_id) ----------------------------------------------------------

class PersonalAssistantRate(_Value):
    """An hourly rate a PA is paid for hours worked in one time band (and, optionally, kind of day)."""

    time_band: TimeBand
    day_category: DayCategory | None = Field(default=None, description="None: every kind of day.")
    hourly_pence: int = Field(gt=0)


class PersonalAssistantEvent(AgreementsEvent):
    """A personal assistant (PA) employed by the holder of a direct payment, or by the council as its
    nominee. No name and no bank details: the account goes to payments alone, on
    `agreements.payee-accounts` (`PayeeBankDetailsEntered`/`Verified` with the PA's `pa_id` as payee)."""

    pa_id: str = Field(description="PA-… : the payee id of the PA's bank details and payments.")
    direct_payment_id: str = Field(description="The direct payment (agreement_id) whose holder employs the PA.")
    person_ref: str

    def aggregate_id(self) -> str:
        return self.pa_id


@register
class PersonalAssistantRegistered(PersonalAssistantEvent):
    """The PA as they now stand: employed from `employed_from` (to `employed_to`, inclusive) at these
    rates. Published again, same `pa_id`, when the rates or the employment change: the latest wins."""

    EVENT_TYPE: ClassVar[str] = "PersonalAssistantRegistered"
    employee_ref: str = Field(description="The employer's payroll reference for the PA (on the payroll export).")
    employed_from: date
    employed_to: date | None = None
    rates: list[PersonalAssistantRate] = Field(min_length=1)


# --- commitments (key: person_ref) -------------------------------------------------------------

class WeeklyRate(_Value):
    """A weekly cost in force from a business date until the next rate's (or the line's end)."""

    from_date: date
    weekly_pence: int = Field(ge=0)


class CommitmentLine(_Value):
    agreement_id: str
    kind: Literal["agreement", "direct_payment"]
    service_type: ServiceType
    provider_id: str | None = None
    weekly_pence: int = Field(ge=0)
    annual_pence: int = Field(ge=0)
    funded_by: str | None = Field(default=None, description=(
        "The council-managed direct payment that pays for this agreement: the line bounds the agreement's "
        "invoices, and is not counted again in the person's total (the direct payment's line counts it)."))
    rates: list[WeeklyRate] = Field(default_factory=list, description=(
        "The line's weekly cost by business date, from its start: one rate per version of its terms, each "
        "in force from its own date. Suspensions and the end are the agreement's (nothing is committed on "
        "those days). Empty: published before it was said."))


@register
class CommitmentChanged(AgreementsEvent):
    """A person's forecast spend changed; `exceeded` flags a commitment above the personal budget."""

    EVENT_TYPE: ClassVar[str] = "CommitmentChanged"
    person_ref: str
    as_of: date
    weekly_budget_pence: int | None = Field(default=None, description="None when no budget is known yet.")
    weekly_commitment_pence: int = Field(ge=0)
    annual_commitment_pence: int = Field(ge=0)
    exceeded: bool
    exceeded_by_weekly_pence: int = Field(default=0, ge=0)
    lines: list[CommitmentLine] = Field(default_factory=list)

    def aggregate_id(self) -> str:
        return self.person_ref
