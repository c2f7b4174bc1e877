"""Events published by the invoicing service on `invoicing.events` (keyed by invoice_id).

An invoice (or credit note, or supplementary invoice) is a document with a `kind`. Its life:
issued (self-billed, scheduled) or received (provider-submitted) → held (with reasons) or approved
(with a due date) → scheduled → paid; or rejected / voided. Payments acts on `InvoiceApproved`
(the latest revision wins: a dispute or release re-approves with a new due date), `InvoiceHeld`,
`InvoiceVoided`, `CreditNoteIssued`. Queries' effects are completed by `CreditNoteIssued` and
`SupplementaryInvoiceIssued` echoing `query_id` and `effect_id`, or refused by
`InvoiceCorrectionRefused` (keyed by the invoice it names, else the query) with the reason.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import ServiceType
from contracts.envelope import Event
from contracts.registry import register

TOPIC = "invoicing.events"

InvoiceKind = Literal["self_billed", "scheduled", "provider", "credit_note", "supplementary"]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoldReasonOut(_Value):
    """Why an invoice waits: a machine-readable code, a sentence a provider can act on, the lines at fault."""

    code: str
    message: str
    lines: list[int] = Field(default_factory=list, description="1-based line numbers the reason is about.")
    expected_pence: int | None = None


class InvoiceEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
    invoice_id: str
    provider_id: str

    def aggregate_id(self) -> str:
        return self.invoice_id


class InvoiceDocument(InvoiceEvent):
    """What every document event says about the document."""

    number: str = Field(description="Council's number (SB-…, SC-…, CN-…) or the provider's own invoice number.")
    kind: InvoiceKind
    agreement_ids: list[str]
    person_refs: list[str]
    service_type: ServiceType | None = None
    period_start: date
    period_end: date
    total_pence: int = Field(ge=0)
    line_count: int = Field(ge=0)


@register
class InvoiceIssued(InvoiceDocument):
    """The council raised an invoice itself: self-billed from confirmed actuals, or scheduled from the plan."""

    EVENT_TYPE: ClassVar[str] = "InvoiceIssued"


@register
class InvoiceReceived(InvoiceDocument):
    """A provider submitted an invoice (JSON or CSV). Stored whatever its quality."""

    EVENT_TYPE: ClassVar[str] = "InvoiceReceived"
    received_on: date


@register
class InvoiceHeld(InvoiceEvent):
    """The invoice failed a check (or is disputed) and waits for the provider or an officer."""

    EVENT_TYPE: ClassVar[str] = "InvoiceHeld"
    reasons: list[HoldReasonOut] = Field(min_length=1)
    disputed: bool = False


@register
class InvoiceApproved(InvoiceEvent):
    """Valid and undisputed: payable by `due_date`. A later revision replaces an earlier one."""

    EVENT_TYPE: ClassVar[str] = "InvoiceApproved"
    revision: int = Field(ge=1)
    number: str
    kind: InvoiceKind
    agreement_ids: list[str]
    service_type: ServiceType | None = None
    period_start: date
    period_end: date
    amount_pence: int = Field(ge=0)
    received_on: date
    valid_on: date = Field(description="The day it became valid and undisputed (the 30-day clock starts).")
    due_date: date
    last_payable_date: date | None = Field(default=None, description="Agreement end date, if it has one.")


@register
class InvoiceRejected(InvoiceEvent):
    EVENT_TYPE: ClassVar[str] = "InvoiceRejected"
    reasons: list[HoldReasonOut] = Field(min_length=1)


@register
class InvoiceVoided(InvoiceEvent):
    EVENT_TYPE: ClassVar[str] = "InvoiceVoided"
    reason: str


@register
class InvoiceScheduled(InvoiceEvent):
    """The invoice is in an approved payment run."""

    EVENT_TYPE: ClassVar[str] = "InvoiceScheduled"
    run_id: str


@register
class CreditNoteIssued(InvoiceDocument):
    """Reduces what is owed on `corrects_invoice_id`; never makes a payment negative (carried forward)."""

    EVENT_TYPE: ClassVar[str] = "CreditNoteIssued"
    corrects_invoice_id: str
    query_id: str | None = None
    effect_id: str | None = None


@register
class SupplementaryInvoiceIssued(InvoiceDocument):
    """Adds to what is owed for the period of `corrects_invoice_id` (late corrections, query outcomes)."""

    EVENT_TYPE: ClassVar[str] = "SupplementaryInvoiceIssued"
    corrects_invoice_id: str
    query_id: str | None = None
    effect_id: str | None = None


@register
class InvoiceCorrectionRefused(Event):
    """invoicing could not raise what a query's effect asked for (credit note or supplementary
    invoice): echoes `query_id` and `effect_id`, and says why so an officer can act on it."""

    EVENT_TYPE: ClassVar[str] = "InvoiceCorrectionRefused"
    TOPIC: ClassVar[str] = TOPIC
    query_id: str
    effect_id: str
    provider_id: str
    invoice_id: str | None = Field(default=None, description="The invoice named by the request, when it named one.")
    outcome: Literal["credit_note", "supplementary_payment"]
    reason: str

    def aggregate_id(self) -> str:
        return self.invoice_id or self.query_id
