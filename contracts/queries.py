"""Events published by the queries service on `queries.events` (keyed by query_id).

A query is raised about one subject (a visit, agreement, invoice, payment, direct payment or a
period's actuals) and moves open -> acknowledged -> investigating -> resolved -> closed, or is
reopened. Events carry references, categories, amounts and times, never the description, notes,
resolution summary or any other free text: those may hold personal data and stay in the queries
service (read them through `GET /queries/{id}`). `person_ref` is the pseudonymous reference.

Three kinds of event are here:

- the query's own lifecycle (QueryRaised ... QuerySlaBreached), read by reporting;
- disputes (DisputeOpened / DisputeClosed), which stop and restart an invoice's payment;
- effect requests (CreditNoteRequested, SupplementaryPaymentRequested,
  VisitReverificationRequested, AgreementVariationRequested): the outcome of a resolved query,
  acted on by the service that owns the subject. Each carries `query_id` and `effect_id`; the
  owning service must echo both on the event that completes the effect (named in each class's
  docstring) or on a rejection event that says why it could not. The queries service consumes
  those, records the result on the query, and only then lets the query close. Consumers must
  treat a repeated request with the same `effect_id` as the same request (do it once).
"""
from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from contracts.envelope import Event
from contracts.registry import register

TOPIC = "queries.events"


class SubjectKind(StrEnum):
    """What a query is about: one thing the platform knows, by its id."""

    VISIT = "visit"
    AGREEMENT = "agreement"
    INVOICE = "invoice"
    PAYMENT = "payment"
    DIRECT_PAYMENT = "direct_payment"
    PERIOD_ACTUALS = "period_actuals"


class QueryCategory(StrEnum):
    MISSED_OR_LATE_VISIT = "missed_or_late_visit"
    WRONG_CHARGE = "wrong_charge"
    INVOICE_HELD_OR_REJECTED = "invoice_held_or_rejected"
    LATE_PAYMENT = "late_payment"
    REMITTANCE_MISMATCH = "remittance_mismatch"
    QUALITY_CONCERN = "quality_concern"
    DIRECT_PAYMENT_BALANCE = "direct_payment_balance"
    OTHER = "other"


class PartyRole(StrEnum):
    """The side someone acts for on a query (not their login role)."""

    PERSON = "person"
    REPRESENTATIVE = "representative"  # acts for the person, with the person's access
    PROVIDER = "provider"
    OFFICER = "officer"  # any council officer role
    SYSTEM = "system"  # the platform itself (SLA clock, effect results)


class OutcomeKind(StrEnum):
    NO_CHANGE = "no_change"
    CREDIT_NOTE = "credit_note"
    SUPPLEMENTARY_PAYMENT = "supplementary_payment"
    REVERIFY_VISIT = "reverify_visit"
    VARY_AGREEMENT = "vary_agreement"


class SlaKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class QueryEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
    query_id: str = Field(description="The query (aggregate id and Kafka key).")

    def aggregate_id(self) -> str:
        return self.query_id


# --- the query's lifecycle -------------------------------------------------------------------

@register
class QueryRaised(QueryEvent):
    """A person, representative, provider or officer raised a query about one subject."""

    EVENT_TYPE: ClassVar[str] = "QueryRaised"
    subject_kind: SubjectKind
    subject_id: str
    provider_id: str | None = Field(default=None, description="Provider the subject belongs to, when any.")
    person_ref: str | None = Field(default=None, description="Person the subject belongs to, when any.")
    category: QueryCategory
    raised_by_role: PartyRole
    disputes_invoice: bool = Field(description="True when the query disputes the invoice (see DisputeOpened).")
    attachment_count: int = Field(ge=0)
    acknowledge_due_at: AwareDatetime = Field(description="UTC instant the acknowledge SLA is breached.")
    resolve_due_at: AwareDatetime = Field(description="UTC instant the resolve SLA is breached.")


@register
class QueryAcknowledged(QueryEvent):
    EVENT_TYPE: ClassVar[str] = "QueryAcknowledged"
    working_days_taken: int = Field(ge=0, description="Working days in England from raised to acknowledged.")
    within_sla: bool


@register
class QueryAssigned(QueryEvent):
    """The query is now with a team, an officer, or both (user ids, never names)."""

    EVENT_TYPE: ClassVar[str] = "QueryAssigned"
    team: str | None = None
    officer_id: str | None = None


@register
class QueryInvestigationStarted(QueryEvent):
    EVENT_TYPE: ClassVar[str] = "QueryInvestigationStarted"


@register
class QueryNoteAdded(QueryEvent):
    """A note joined the conversation. Its text stays in the queries service."""

    EVENT_TYPE: ClassVar[str] = "QueryNoteAdded"
    note_id: str
    author_role: PartyRole


@register
class QueryResolved(QueryEvent):
    """An officer resolved the query with an outcome; an effect, if any, is requested alongside."""

    EVENT_TYPE: ClassVar[str] = "QueryResolved"
    outcome: OutcomeKind
    amount_pence: int | None = Field(default=None, ge=0, description="For credit_note and supplementary_payment.")
    effect_id: str | None = Field(default=None, description="None for no_change.")
    working_days_taken: int = Field(ge=0, description="Working days from (re)opening to resolution.")
    within_sla: bool


@register
class QueryOutcomeProposed(QueryEvent):
    """A finance officer chose an outcome that moves money above the second-person threshold: the query
    awaits a finance approver other than the proposer, and nothing is requested until then. The
    envelope's actor is the proposer, with the resolution summary as the reason."""

    EVENT_TYPE: ClassVar[str] = "QueryOutcomeProposed"
    outcome: OutcomeKind
    amount_pence: int = Field(gt=0)
    proposed_by_id: str = Field(description="User id of the finance officer who proposed it.")
    threshold_pence: int = Field(ge=0, description="Amounts above this need a second person.")


@register
class QueryOutcomeApproved(QueryEvent):
    """A second finance approver approved the proposed outcome; QueryResolved and the effect request
    follow. The envelope's actor is the approver, with their reason."""

    EVENT_TYPE: ClassVar[str] = "QueryOutcomeApproved"
    outcome: OutcomeKind
    amount_pence: int = Field(gt=0)
    proposed_by_id: str
    approved_by_id: str = Field(description="User id of the finance approver (never the proposer).")


@register
class QueryOutcomeRejected(QueryEvent):
    """A finance approver rejected the proposed outcome: the query is investigated again, nothing was
    requested. The envelope's actor is the approver, with their reason."""

    EVENT_TYPE: ClassVar[str] = "QueryOutcomeRejected"
    outcome: OutcomeKind
    amount_pence: int = Field(gt=0)
    proposed_by_id: str
    rejected_by_id: str


@register
class QueryEffectCompleted(QueryEvent):
    """The owning service reported the effect done; `result_ref` links what it produced."""

    EVENT_TYPE: ClassVar[str] = "QueryEffectCompleted"
    effect_id: str
    outcome: OutcomeKind
    result_ref: str = Field(description="Credit note, supplementary invoice, visit or variation id.")


@register
class QueryEffectFailed(QueryEvent):
    """The owning service could not carry out the effect (the reason is shown on the query)."""

    EVENT_TYPE: ClassVar[str] = "QueryEffectFailed"
    effect_id: str
    outcome: OutcomeKind


@register
class QueryClosed(QueryEvent):
    EVENT_TYPE: ClassVar[str] = "QueryClosed"
    closed_by_role: PartyRole
    outcome: OutcomeKind


@register
class QueryReopened(QueryEvent):
    """Reopened from resolved or closed; the resolve SLA starts again from now."""

    EVENT_TYPE: ClassVar[str] = "QueryReopened"
    reopened_by_role: PartyRole
    resolve_due_at: AwareDatetime


@register
class QueryRated(QueryEvent):
    """The raiser rated the resolution of a closed query."""

    EVENT_TYPE: ClassVar[str] = "QueryRated"
    rating: int = Field(ge=1, le=5)


@register
class QuerySlaBreached(QueryEvent):
    """An SLA deadline passed without the step being taken; published once per deadline."""

    EVENT_TYPE: ClassVar[str] = "QuerySlaBreached"
    sla: SlaKind
    due_at: AwareDatetime = Field(description="The breached deadline (the breach began at this instant).")
    category: QueryCategory
    team: str | None = None


# --- disputes --------------------------------------------------------------------------------

@register
class DisputeOpened(QueryEvent):
    """A query disputes an invoice.

    invoicing: hold the invoice (its 30-day prompt-payment clock stops; docs/domain.md, "Invoices and holds").
    payments: leave the invoice out of every payment run until DisputeClosed.
    Published again if a resolved dispute is reopened.
    """

    EVENT_TYPE: ClassVar[str] = "DisputeOpened"
    invoice_id: str
    provider_id: str


@register
class DisputeClosed(QueryEvent):
    """The disputing query was resolved: the invoice continues from where it was.

    invoicing: release the dispute hold (the clock restarts; any credit note comes separately).
    payments: the invoice is eligible for runs again.
    """

    EVENT_TYPE: ClassVar[str] = "DisputeClosed"
    invoice_id: str
    provider_id: str


# --- effect requests -------------------------------------------------------------------------

class EffectRequested(QueryEvent):
    effect_id: str = Field(description="Echo on the completing (or rejecting) event with query_id.")


@register
class CreditNoteRequested(EffectRequested):
    """invoicing: issue a credit note for `amount_pence` against `invoice_id`.

    Completed by invoicing's CreditNoteIssued carrying query_id, effect_id and credit_note_id.
    """

    EVENT_TYPE: ClassVar[str] = "CreditNoteRequested"
    invoice_id: str
    provider_id: str
    amount_pence: int = Field(gt=0)


@register
class SupplementaryPaymentRequested(EffectRequested):
    """invoicing: raise a supplementary invoice paying `provider_id` an extra `amount_pence`.

    payments pays it in the next run like any approved invoice. Completed by invoicing's
    SupplementaryInvoiceIssued carrying query_id, effect_id and invoice_id.
    """

    EVENT_TYPE: ClassVar[str] = "SupplementaryPaymentRequested"
    provider_id: str
    amount_pence: int = Field(gt=0)
    relates_to_invoice_id: str | None = Field(default=None, description="The invoice it supplements, when known.")


@register
class VisitReverificationRequested(EffectRequested):
    """delivery: correct the visit's attendance to these times and verify it again.

    The corrected attendance is priced by the usual visit rules; invoicing picks up the change
    as for any late ECM correction. Completed by delivery's VisitCorrected carrying query_id,
    effect_id and the visit id.
    """

    EVENT_TYPE: ClassVar[str] = "VisitReverificationRequested"
    visit_id: str
    carer_id: str | None = Field(default=None, description="Which carer's attendance, for a two-carer visit.")
    corrected_check_in: AwareDatetime = Field(description="UTC.")
    corrected_check_out: AwareDatetime = Field(description="UTC.")


@register
class AgreementVariationRequested(EffectRequested):
    """agreements: draft a variation of `agreement_id` taking effect on `effective_from`.

    What to vary is in the query's resolution (read it through the queries API); a brokerage
    officer completes the draft. Completed by agreements' AgreementVaried carrying query_id,
    effect_id and the variation id.
    """

    EVENT_TYPE: ClassVar[str] = "AgreementVariationRequested"
    agreement_id: str
    effective_from: date
