"""Events published by the delivery-monitoring service on `delivery.events`.

Keys: events about an agreement's visits and periods by `agreement_id`; events about records that
matched no agreement (unallocated, rejected) and feed summaries by `provider_id` ('unknown' for a
record whose provider reference is not on the register).

A visit is identified by `visit_key` = `<agreement_id>/<planned local start>` and paid per carer:
one `VisitVerified` per visit and carer. A correction publishes `VisitVerified` again with a higher
`revision` (the latest revision replaces the earlier one, it never adds to it) plus `VisitCorrected`
with the differences. `PeriodActualsConfirmed` carries every payable line of the week, so
invoicing can self-bill from it alone; corrections to weeks already confirmed ride along in the
next confirmed week as `adjustments`.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import Event
from contracts.registry import register

TOPIC = "delivery.events"


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VisitFlag(_Value):
    """Why a visit deserves a look: late, short, manual_check_in, frustrated, cancelled_short_notice,
    capped_at_planned, one_of_two_carers, hospital, ..."""

    code: str
    reason: str


class DeliveryEvent(Event):
    TOPIC: ClassVar[str] = TOPIC


class AgreementDeliveryEvent(DeliveryEvent):
    agreement_id: str
    person_ref: str
    provider_id: str

    def aggregate_id(self) -> str:
        return self.agreement_id


class ProviderDeliveryEvent(DeliveryEvent):
    provider_id: str

    def aggregate_id(self) -> str:
        return self.provider_id


@register
class VisitVerified(AgreementDeliveryEvent):
    """One carer's attendance at a planned visit, verified against the agreement's visit rules."""

    EVENT_TYPE: ClassVar[str] = "VisitVerified"
    visit_key: str
    visit_id: str = Field(description="The provider's visit id.")
    carer_id: str
    revision: int = Field(ge=1, description="1 when first verified; higher after each correction.")
    local_date: date = Field(description="Europe/London date of the planned visit.")
    week_start: date = Field(description="Monday of the visit's Monday–Sunday week.")
    planned_start: datetime
    planned_minutes: int = Field(ge=0)
    actual_minutes: int | None = Field(description="check-out − check-in; None for a frustrated/cancelled visit.")
    payable_minutes: int = Field(ge=0)
    rate_pence_per_hour: int = Field(ge=0)
    amount_pence: int = Field(ge=0)
    flags: list[VisitFlag] = Field(default_factory=list)


@register
class VisitCorrected(AgreementDeliveryEvent):
    """A later record for the same visit and carer changed what is payable (never counted twice).

    When a query asked for the re-verification (VisitReverificationRequested) it carries the query's
    ids, and is published even if the pay did not change: the query waits on it to close."""

    EVENT_TYPE: ClassVar[str] = "VisitCorrected"
    visit_key: str
    carer_id: str
    revision: int = Field(ge=2)
    week_start: date
    payable_minutes_before: int
    payable_minutes_after: int
    amount_pence_before: int
    amount_pence_after: int
    amount_pence_delta: int
    week_already_confirmed: bool = Field(description="True when the difference rides in a later week's adjustments.")
    query_id: str | None = Field(default=None, description="Set when a query asked for the re-verification.")
    effect_id: str | None = None


@register
class VisitReverificationRefused(DeliveryEvent):
    """delivery could not re-verify the visit a query's VisitReverificationRequested named: echoes
    `query_id` and `effect_id` and says why, so the query shows it. Keyed by the visit's agreement."""

    EVENT_TYPE: ClassVar[str] = "VisitReverificationRefused"
    agreement_id: str = Field(description="The agreement part of the visit key (the Kafka key).")
    visit_key: str
    query_id: str
    effect_id: str
    reason: str

    def aggregate_id(self) -> str:
        return self.agreement_id


@register
class VisitMissed(AgreementDeliveryEvent):
    """Safeguarding alert: a planned visit had no attendance by its cut-off. Not paid."""

    EVENT_TYPE: ClassVar[str] = "VisitMissed"
    visit_key: str
    local_date: date
    planned_start: datetime
    planned_minutes: int
    carers_required: int


@register
class VisitUnallocated(ProviderDeliveryEvent):
    """A record that matched no planned visit is held for an officer (never paid automatically)."""

    EVENT_TYPE: ClassVar[str] = "VisitUnallocated"
    record_id: str
    person_ref: str
    visit_id: str
    carer_id: str
    reason: str


@register
class UnallocatedVisitResolved(ProviderDeliveryEvent):
    """An officer allocated an unallocated record to an agreement's visit, or rejected it."""

    EVENT_TYPE: ClassVar[str] = "UnallocatedVisitResolved"
    record_id: str
    outcome: Literal["allocated", "rejected"]
    agreement_id: str | None = None
    reason: str | None = None


@register
class VisitRejected(ProviderDeliveryEvent):
    """A record that could not be used as it is, with the machine-readable reason and where it was."""

    EVENT_TYPE: ClassVar[str] = "VisitRejected"
    record_id: str
    source: Literal["kafka", "http", "csv", "xml"]
    location: str = Field(description="Where in the feed: 'ecm.visits/3@1200', 'row 17', 'Visit[4]'.")
    field: str | None = None
    reason: str
    message: str
    provider_ref: str | None = Field(default=None, description="The provider reference the record named, when it "
                                     "had one (provider_id is 'unknown' when that reference is not on the register).")


@register
class AttendancesReceived(ProviderDeliveryEvent):
    """A feed batch or file was ingested: how many records, and where each ended."""

    EVENT_TYPE: ClassVar[str] = "AttendancesReceived"
    intake_id: str
    source: Literal["kafka", "http", "csv", "xml"]
    file_reference: str | None = None
    received: int = Field(ge=0)
    verified: int = Field(ge=0)
    unallocated: int = Field(ge=0)
    rejected: int = Field(ge=0)


class ActualsLine(_Value):
    """One payable line of a week: a visit and carer at its latest revision."""

    visit_key: str
    visit_id: str
    carer_id: str
    local_date: date
    payable_minutes: int
    rate_pence_per_hour: int
    amount_pence: int
    revision: int


class ActualsAdjustment(_Value):
    """A correction to a week confirmed earlier, paid (or recovered) with this week."""

    visit_key: str
    carer_id: str
    week_start: date
    amount_pence_delta: int
    revision: int


class PlannedVisitOutcome(_Value):
    """What became of one planned visit of the week, as at confirmation."""

    visit_key: str
    local_date: date
    planned_start: datetime
    planned_minutes: int = Field(ge=1)
    carers_required: int = Field(ge=1)
    outcome: Literal["delivered", "missed", "cancelled", "no_access", "hospital", "suspended"] = Field(
        description="delivered: a verified attendance; missed: none by confirmation; cancelled/no_access/"
                    "hospital: an exception recorded; suspended: the agreement was suspended that day.")


@register
class PeriodActualsConfirmed(AgreementDeliveryEvent):
    """A week's actuals (Monday–Sunday, Europe/London) for one agreement are confirmed for payment."""

    EVENT_TYPE: ClassVar[str] = "PeriodActualsConfirmed"
    week_start: date
    confirmed_by: Literal["provider", "auto", "officer"]
    lines: list[ActualsLine]
    adjustments: list[ActualsAdjustment] = Field(default_factory=list)
    payable_minutes: int
    amount_pence: int = Field(description="Sum of the lines' amounts (adjustments not included).")
    adjustments_pence: int = Field(description="Sum of the adjustments' deltas (may be negative).")
    planned: list[PlannedVisitOutcome] = Field(default_factory=list, description=(
        "Every visit the agreement planned that week, with its outcome (empty: published before it was said)."))
