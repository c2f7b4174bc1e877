"""Events published by the invoicing service on `invoicing.events` (keyed by invoice_id).

An invoice (or credit note, or supplementary invoice) is a document with a `kind`. Its life:
issued (self-billed, scheduled) or received (provider-submitted) → held (with reasons) or approved
(with a due date) → scheduled → paid; or rejected / voided. Payments acts on `InvoiceApproved`
(the latest revision wins: a dispute or release re-approves with a new due date), `InvoiceHeld`,
`InvoiceVoided`, `CreditNoteIssued`. Queries' effects are completed by `CreditNoteIssued` and
`SupplementaryInvoiceIssued` echoing `query_id` and `effect_id`, or refused by
`InvoiceCorrectionRefused` (keyed by the invoice it names, else the query) with the reason.

An individual service fund (ISF) is paid by `isf_advance` invoices, a four-weekly period's budget in
advance; the provider's returns (`IsfReturnHeld`, `IsfReturnAccepted`, keyed by return_id) say what
it bought, and a balance above what the provider may keep is reclaimed (`IsfSurplusReclaimed`, with a
credit note). Money paid for days after an agreement's end comes back by itself as a credit note
(`OverpaymentCredited`). The person's contribution to arranged care and ISFs is charged per
four-weekly period (`ContributionCharged`, keyed by person_ref).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import ServiceType
from contracts.envelope import Event
from contracts.registry import register

TOPIC = "invoicing.events"

InvoiceKind = Literal["self_billed", "scheduled", "provider", "credit_note", "supplementary", "isf_advance"]
# Why a credit note was raised: by an officer, for a query's outcome, for visits corrected after they
# were invoiced, for money paid after an agreement's end, or for an ISF surplus above what may be kept.
CreditCause = Literal["officer", "query", "late_correction", "overpayment", "isf_surplus"]


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


class AgreementPeriod(_Value):
    """The days an invoice charges one agreement, that agreement's last payable day and cost centre."""

    agreement_id: str
    first_day: date
    last_day: date
    amount_pence: int = Field(ge=0)
    last_payable_date: date | None = Field(default=None, description="The agreement's end, if it has one.")
    cost_centre: str | None = None


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
    agreement_periods: list[AgreementPeriod] = Field(default_factory=list, description=(
        "Per agreement on the invoice: the days it charges it, its end and cost centre, so each is judged by "
        "its own agreement's dates (empty: published before it was said)."))


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
    cause: CreditCause | None = Field(default=None, description="Why it was raised (None: published before it was said).")
    reason: str | None = Field(default=None, description=(
        "Why, in words the provider reads on its remittance advice (no personal data). Given only for the "
        "causes the rules word themselves (overpayment, isf_surplus, late_correction); None for an officer's "
        "or a query's credit note, whose free-text reason stays in invoicing."))


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


# --- money recovered by itself: overpayments after an agreement's end ---------------------------

@register
class OverpaymentCredited(Event):
    """An agreement ended on a date that had passed, and `corrects_invoice_id` (scheduled in a run or
    paid) had charged days after it: the amount for those days is credited by `credit_note_id`, to be
    taken from the provider's next payment. Also for an invoice approved and not yet in a run: it is
    then announced again (`InvoiceApproved`, payable up to ended_on) and paid net of the credit note.
    Never more than leaves the provider the invoice's amount for the days up to ended_on."""

    EVENT_TYPE: ClassVar[str] = "OverpaymentCredited"
    TOPIC: ClassVar[str] = TOPIC
    credit_note_id: str
    credit_note_number: str
    corrects_invoice_id: str
    agreement_id: str
    provider_id: str
    person_ref: str
    ended_on: date = Field(description="The agreement's last payable day.")
    days_after_end: int = Field(ge=1, description=(
        "Days of the corrected invoice after ended_on that this credit note credits (an end brought further "
        "forward: only the days between the two ends)."))
    amount_pence: int = Field(gt=0)
    reason: str

    def aggregate_id(self) -> str:
        return self.credit_note_id


# --- individual service funds ------------------------------------------------------------------

class IsfSupportSpend(_Value):
    """What the fund bought of one type of support in a period."""

    support_type: str
    hours: Decimal = Field(ge=0, decimal_places=2)
    spend_pence: int = Field(ge=0)


class IsfSubcontractorSpend(_Value):
    """What the fund paid one sub-contractor (a business, never a person) in a period."""

    subcontractor: str
    spend_pence: int = Field(ge=0)


class IsfReturnEvent(Event):
    """A provider's return for one ISF and one four-weekly period: the period's budget, and what was
    spent by type of support and by sub-contractor (work the provider did itself has none)."""

    TOPIC: ClassVar[str] = TOPIC
    return_id: str
    agreement_id: str
    provider_id: str
    person_ref: str
    period_start: date
    period_end: date
    budget_pence: int = Field(ge=0, description="The fund's budget for the period (its advance).")
    spend_pence: int = Field(ge=0)
    by_support: list[IsfSupportSpend]
    by_subcontractor: list[IsfSubcontractorSpend] = Field(default_factory=list)

    def aggregate_id(self) -> str:
        return self.return_id


@register
class IsfReturnHeld(IsfReturnEvent):
    """The return waits for an officer (for example spend over budget, with the provider's reason)."""

    EVENT_TYPE: ClassVar[str] = "IsfReturnHeld"
    reasons: list[HoldReasonOut] = Field(min_length=1)


@register
class IsfReturnAccepted(IsfReturnEvent):
    """The return counts: its spend comes off the balance the provider holds for the person."""

    EVENT_TYPE: ClassVar[str] = "IsfReturnAccepted"
    balance_pence: int = Field(description="What the provider holds for the person after this return (may be below 0).")


@register
class IsfSurplusReclaimed(Event):
    """The balance an ISF provider held after a return was above what it may keep: the excess is
    credited by `credit_note_id`: against the next advance when it is not yet paid (`next_advance`),
    otherwise against the period's own advance, taken from the provider's next payment (`credit_note`)."""

    EVENT_TYPE: ClassVar[str] = "IsfSurplusReclaimed"
    TOPIC: ClassVar[str] = TOPIC
    return_id: str
    agreement_id: str
    provider_id: str
    person_ref: str
    period_start: date
    period_end: date
    balance_pence: int = Field(description="The balance after the return, before this reclaim.")
    retained_pence: int = Field(ge=0, description="What the provider may keep.")
    amount_pence: int = Field(gt=0)
    method: Literal["next_advance", "credit_note"]
    credit_note_id: str
    corrects_invoice_id: str

    def aggregate_id(self) -> str:
        return self.return_id


# --- the person's contribution to arranged care ----------------------------------------------

@register
class ContributionCharged(Event):
    """The person's charge for one four-weekly period, as now computed: their assessed weekly
    contribution for each day they had council-arranged care or an ISF, never more than the cost of
    the care delivered in the period. A later change (a reassessment, care delivered corrected, a
    death notified late) makes a new revision; `change_pence` is what it adds (below 0: takes away)."""

    EVENT_TYPE: ClassVar[str] = "ContributionCharged"
    TOPIC: ClassVar[str] = TOPIC
    charge_id: str = Field(description="This revision's id (what the debtors export names).")
    person_ref: str
    period_start: date
    period_end: date
    revision: int = Field(ge=1)
    contribution_pence: int = Field(ge=0, description="What the assessed contribution comes to for the days of care.")
    care_cost_pence: int = Field(ge=0, description="The cost of the care delivered in the period.")
    charged_pence: int = Field(ge=0, description="The period's charge after this revision.")
    change_pence: int = Field(description="charged_pence less the previous revision's (all of it for the first).")
    capped: bool = Field(description="The charge is the cost of care delivered, below the contribution.")
    reason: str

    def aggregate_id(self) -> str:
        return self.person_ref
