"""What the queries API accepts and answers (money in pence, times UTC, dates yyyy-mm-dd)."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.queries import OutcomeKind, QueryCategory, SubjectKind
from services.queries.domain.codec import outcome_to_json
from services.queries.domain.errors import InvalidQuery
from services.queries.domain.outcomes import (CreditNote, Effect, NoChange, Outcome, ReverifyVisit,
                                              SupplementaryPayment, VaryAgreement)
from services.queries.domain.query import Attachment, Query
from services.queries.domain.sla import acknowledge_due_at, breaches, resolve_due_at
from services.queries.domain.views import QueryRow, row_of
from shared.bounds import MAX_ATTACHMENTS, Key, Reference
from shared.clock import PlausibleDate


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentIn(_In):
    ref: str = Field(min_length=1, max_length=500, description="Where the document is held (document store ref).")
    media_type: str | None = Field(default=None, max_length=100)


class QueryIn(_In):
    """A query about one subject the platform knows (its id as the owning service publishes it):
    visit: visit_key; agreement / direct_payment: agreement_id (or a direct payment's payment reference);
    invoice: invoice_id; payment: payment_reference; period_actuals: `<agreement_id>/<week_start>`."""

    subject_kind: SubjectKind
    subject_id: str = Field(min_length=1, max_length=200)
    category: QueryCategory
    description: str = Field(min_length=1, max_length=10_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    disputes_invoice: bool = Field(default=False, description="A provider or officer disputes the invoice: it is "
                                                              "held and left out of payment runs until resolved.")

    def attachment_refs(self) -> list[Attachment]:
        return [Attachment(a.ref, a.media_type) for a in self.attachments]


class AssignIn(_In):
    team: str | None = Field(default=None, max_length=100)
    officer_id: str | None = Field(default=None, max_length=200)


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=10_000)


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=1000)


class RateIn(_In):
    rating: int = Field(description="1 (poor) to 5 (very good).")


class OutcomeIn(_In):
    """The outcome and what its effect needs: amount_pence (credit_note, supplementary_payment),
    corrected_check_in/out (reverify_visit), effective_from and description (vary_agreement). Ids
    default to the query's subject when it is an invoice, visit or agreement."""

    kind: OutcomeKind
    amount_pence: int | None = None
    invoice_id: Reference | None = None
    relates_to_invoice_id: Reference | None = None
    visit_id: Key | None = Field(default=None, description="The visit_key of the visit to re-verify.")
    carer_id: Key | None = None
    corrected_check_in: AwareDatetime | None = None
    corrected_check_out: AwareDatetime | None = None
    agreement_id: Reference | None = None
    effective_from: PlausibleDate | None = None
    description: str | None = Field(default=None, max_length=10_000, description="What to vary in the agreement.")

    def to_outcome(self) -> Outcome:
        k = OutcomeKind
        if self.kind == k.NO_CHANGE:
            return NoChange()
        if self.kind == k.CREDIT_NOTE:
            return CreditNote(self._needs("amount_pence"), self.invoice_id)
        if self.kind == k.SUPPLEMENTARY_PAYMENT:
            return SupplementaryPayment(self._needs("amount_pence"), relates_to_invoice_id=self.relates_to_invoice_id)
        if self.kind == k.REVERIFY_VISIT:
            return ReverifyVisit(self._needs("corrected_check_in"), self._needs("corrected_check_out"), self.visit_id,
                                 self.carer_id)
        return VaryAgreement(self._needs("effective_from"), self._needs("description"), self.agreement_id)

    def _needs(self, name: str):
        value = getattr(self, name)
        if value is None:
            raise InvalidQuery(f"outcome.{name}", f"required for a {self.kind.value} outcome")
        return value


class ResolveIn(_In):
    outcome: OutcomeIn
    summary: str = Field(min_length=1, max_length=10_000, description="The resolution, for the raiser to read.")


class EffectDoneIn(_In):
    agreement_version: int = Field(ge=2, description="The version of the agreement's terms the variation made.")


class SubjectOut(BaseModel):
    kind: SubjectKind
    subject_id: str
    provider_id: str | None
    person_ref: str | None


class NoteOut(BaseModel):
    note_id: str
    author_role: str
    author_id: str
    at: datetime
    text: str


class HistoryOut(BaseModel):
    action: str
    before: str | None
    after: str
    actor_role: str
    actor_id: str
    at: datetime
    detail: str | None


class EffectOut(BaseModel):
    effect_id: str
    kind: OutcomeKind
    status: str
    requested_at: datetime
    settled_at: datetime | None
    result_ref: str | None = Field(description="The credit note, supplementary invoice, visit or agreement version.")
    failure_reason: str | None

    @classmethod
    def of(cls, e: Effect) -> "EffectOut":
        return cls(effect_id=e.effect_id, kind=e.kind, status=e.status.value, requested_at=e.requested_at,
                   settled_at=e.settled_at, result_ref=e.result_ref, failure_reason=e.failure_reason)


class BreachOut(BaseModel):
    sla: str
    due_at: datetime


class SlaOut(BaseModel):
    acknowledge_within_working_days: int
    resolve_within_working_days: int
    acknowledge_due_at: datetime
    resolve_due_at: datetime
    state: str
    next_due_at: datetime | None
    age_working_days: int
    age_band: str
    breaches: list[BreachOut]


class QuerySummary(BaseModel):
    query_id: str
    subject_kind: SubjectKind
    subject_id: str
    category: QueryCategory
    status: str
    raised_by_role: str
    raised_at: datetime
    team: str | None
    officer_id: str | None
    disputes_invoice: bool
    sla_state: str
    age_working_days: int
    age_band: str
    next_due_at: datetime | None
    effect_status: str | None

    @classmethod
    def of(cls, row: QueryRow) -> "QuerySummary":
        q = row.query
        return cls(query_id=q.query_id, subject_kind=q.subject.kind, subject_id=q.subject.subject_id,
                   category=q.category, status=q.status.value, raised_by_role=q.raised_by.role.value,
                   raised_at=q.raised_at, team=q.assignment.team if q.assignment else None,
                   officer_id=q.assignment.officer_id if q.assignment else None, disputes_invoice=q.disputes_invoice,
                   sla_state=row.sla_state.value, age_working_days=row.age_working_days, age_band=row.age_band.value,
                   next_due_at=row.next_due_at, effect_status=q.effect.status.value if q.effect else None)


class ProposalOut(BaseModel):
    """A money-moving outcome awaiting a second finance approver (status awaiting_approval)."""

    outcome: dict
    summary: str
    proposed_by_id: str
    proposed_at: datetime


class QueryOut(QuerySummary):
    """The whole query: its conversation, every step taken, its clocks and its effect."""

    subject: SubjectOut
    description: str
    raised_by_id: str
    attachments: list[AttachmentIn]
    dispute_open: bool
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    outcome: dict | None
    resolution_summary: str | None
    effect: EffectOut | None
    earlier_effects: list[EffectOut]
    proposal: ProposalOut | None = None
    rating: int | None
    sla: SlaOut
    notes: list[NoteOut]
    history: list[HistoryOut]

    @classmethod
    def of(cls, q: Query, now: datetime) -> "QueryOut":
        row = row_of(q, now)
        s = q.subject
        return cls(
            **QuerySummary.of(row).model_dump(),
            subject=SubjectOut(kind=s.kind, subject_id=s.subject_id, provider_id=s.provider_id,
                               person_ref=s.person_ref),
            description=q.description, raised_by_id=q.raised_by.user_id,
            attachments=[AttachmentIn(ref=a.ref, media_type=a.media_type) for a in q.attachments],
            dispute_open=q.dispute_open, acknowledged_at=q.acknowledged_at, resolved_at=q.resolved_at,
            closed_at=q.closed_at, outcome=outcome_to_json(q.outcome) if q.outcome else None,
            resolution_summary=q.resolution_summary, effect=EffectOut.of(q.effect) if q.effect else None,
            earlier_effects=[EffectOut.of(e) for e in q.earlier_effects], rating=q.rating,
            proposal=ProposalOut(outcome=outcome_to_json(q.proposal.outcome), summary=q.proposal.summary,
                                 proposed_by_id=q.proposal.proposed_by.user_id,
                                 proposed_at=q.proposal.proposed_at) if q.proposal else None,
            sla=SlaOut(acknowledge_within_working_days=q.sla.acknowledge_within,
                       resolve_within_working_days=q.sla.resolve_within, acknowledge_due_at=acknowledge_due_at(q),
                       resolve_due_at=resolve_due_at(q), state=row.sla_state.value, next_due_at=row.next_due_at,
                       age_working_days=row.age_working_days, age_band=row.age_band.value,
                       breaches=[BreachOut(sla=b.sla.value, due_at=b.due_at) for b in breaches(q, now)]),
            notes=[NoteOut(note_id=n.note_id, author_role=n.author.role.value, author_id=n.author.user_id, at=n.at,
                           text=n.text) for n in q.notes],
            history=[HistoryOut(action=h.action, before=h.before.value if h.before else None, after=h.after.value,
                                actor_role=h.actor_role.value, actor_id=h.actor_id, at=h.at, detail=h.detail)
                     for h in q.history])
