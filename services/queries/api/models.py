"""What the queries API accepts and answers (money in pence, times UTC, dates yyyy-mm-dd). Outcomes, one
shape per kind, are in `outcome_models`."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from contracts.queries import OutcomeKind, PartyRole, QueryCategory, SlaKind, SubjectKind
from services.queries.api.fields import (DocumentRef, MediaType, OfficerId, Prose, ReasonText, SubjectId, TeamName,
                                        WholeNumber)
from services.queries.api.outcome_models import OutcomeIn, OutcomeOut, outcome_out
from services.queries.domain.lifecycle import CATEGORY_SUBJECTS
from services.queries.domain.outcomes import Effect, EffectStatus
from services.queries.domain.query import Attachment, Query, QueryStatus
from services.queries.domain.sla import AgeBand, SlaState, acknowledge_due_at, breaches, resolve_due_at
from services.queries.domain.views import QueryRow, row_of
from shared.bounds import MAX_ATTACHMENTS


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentIn(_In):
    ref: DocumentRef = Field(description="Where the document is held (document store ref); each ref once per query.")
    media_type: MediaType | None = None


def _fits_its_subject() -> dict:
    """The domain's rules between fields (lifecycle.raise_query), in the document: a category about one kind of
    subject only with that kind, and disputing only an invoice."""
    rules = [{"if": {"required": ["category"], "properties": {"category": {"const": category.value}}},
              "then": {"properties": {"subject_kind": {"const": kind.value}}}}
             for category, kind in CATEGORY_SUBJECTS.items()]
    rules.append({"if": {"required": ["disputes_invoice"], "properties": {"disputes_invoice": {"const": True}}},
                  "then": {"properties": {"subject_kind": {"const": "invoice"}}}})
    return {"allOf": rules}


class QueryIn(_In):
    """A query about one subject the platform knows (its id as the owning service publishes it):
    visit: visit_key; agreement / direct_payment: agreement_id (or a direct payment's payment reference);
    invoice: invoice_id; payment: payment_reference; period_actuals: `<agreement_id>/<week_start>`.
    A subject queries has not heard of is 404 (code subject_not_found, field body.subject_id)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_fits_its_subject())

    subject_kind: SubjectKind
    subject_id: SubjectId
    category: QueryCategory = Field(description="invoice_held_or_rejected only about an invoice, remittance_mismatch "
                                                "only about a payment, direct_payment_balance only about a direct "
                                                "payment (else 422 on category).")
    description: Prose
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    disputes_invoice: StrictBool = Field(default=False, description="A provider or officer disputes the invoice: it is "
                                                              "held and left out of payment runs until resolved. "
                                                              "Only about an invoice (else 422).")

    def attachment_refs(self) -> list[Attachment]:
        return [Attachment(a.ref, a.media_type) for a in self.attachments]


class AssignIn(_In):
    """A team, an officer, or both (at least one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [  # at least one of them, not null
        {"required": ["team"], "properties": {"team": {"not": {"type": "null"}}}},
        {"required": ["officer_id"], "properties": {"officer_id": {"not": {"type": "null"}}}}]})

    team: TeamName | None = None
    officer_id: OfficerId | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> "AssignIn":
        if self.team is None and self.officer_id is None:
            raise ValueError("name a team, an officer, or both")
        return self


class NoteIn(_In):
    text: Prose


class ReasonIn(_In):
    reason: ReasonText


class RateIn(_In):
    rating: WholeNumber = Field(ge=1, le=5, description="1 (poor) to 5 (very good).")


class ResolveIn(_In):
    outcome: OutcomeIn
    summary: Prose = Field(description="The resolution, for the raiser to read.")


class EffectDoneIn(_In):
    agreement_version: WholeNumber = Field(ge=2, description="The version of the agreement's terms the variation made.")


class SubjectOut(BaseModel):
    kind: SubjectKind
    subject_id: str
    provider_id: str | None
    person_ref: str | None


class AttachmentOut(BaseModel):
    ref: str = Field(description="Where the document is held (document store ref).")
    media_type: str | None


class NoteOut(BaseModel):
    note_id: str
    author_role: PartyRole
    author_id: str
    at: datetime
    text: str


class HistoryOut(BaseModel):
    action: str = Field(description="The step: raise, acknowledge, assign, add_note, resolve, close, sla_breached, ...")
    before: QueryStatus | None
    after: QueryStatus
    actor_role: PartyRole
    actor_id: str
    at: datetime
    detail: str | None


class EffectOut(BaseModel):
    effect_id: str
    kind: OutcomeKind
    status: EffectStatus
    requested_at: datetime
    settled_at: datetime | None
    result_ref: str | None = Field(description="The credit note, supplementary invoice, visit or agreement version.")
    failure_reason: str | None

    @classmethod
    def of(cls, e: Effect) -> "EffectOut":
        return cls(effect_id=e.effect_id, kind=e.kind, status=e.status, requested_at=e.requested_at,
                   settled_at=e.settled_at, result_ref=e.result_ref, failure_reason=e.failure_reason)


class BreachOut(BaseModel):
    sla: SlaKind
    due_at: datetime


class SlaOut(BaseModel):
    acknowledge_within_working_days: int
    resolve_within_working_days: int
    acknowledge_due_at: datetime
    resolve_due_at: datetime
    state: SlaState
    next_due_at: datetime | None
    age_working_days: int
    age_band: AgeBand
    breaches: list[BreachOut]


class QuerySummary(BaseModel):
    query_id: str
    subject_kind: SubjectKind
    subject_id: str
    category: QueryCategory
    status: QueryStatus
    raised_by_role: PartyRole
    raised_at: datetime
    team: str | None
    officer_id: str | None
    disputes_invoice: bool
    sla_state: SlaState = Field(description="Judged when the list was asked for (a list's later pages: when its "
                                            "first page was)")
    age_working_days: int
    age_band: AgeBand
    next_due_at: datetime | None = Field(description="Deadline of the running clock; null once resolved")
    effect_status: EffectStatus | None

    @classmethod
    def of(cls, row: QueryRow) -> "QuerySummary":
        q = row.query
        return cls(query_id=q.query_id, subject_kind=q.subject.kind, subject_id=q.subject.subject_id,
                   category=q.category, status=q.status, raised_by_role=q.raised_by.role,
                   raised_at=q.raised_at, team=q.assignment.team if q.assignment else None,
                   officer_id=q.assignment.officer_id if q.assignment else None, disputes_invoice=q.disputes_invoice,
                   sla_state=row.sla_state, age_working_days=row.age_working_days, age_band=row.age_band,
                   next_due_at=row.next_due_at, effect_status=q.effect.status if q.effect else None)


class ProposalOut(BaseModel):
    """A money-moving outcome awaiting a second finance approver (status awaiting_approval)."""

    outcome: OutcomeOut
    summary: str
    proposed_by_id: str
    proposed_at: datetime


class QueryOut(QuerySummary):
    """The whole query: its conversation, every step taken, its clocks and its effect."""

    subject: SubjectOut
    description: str
    raised_by_id: str
    attachments: list[AttachmentOut]
    dispute_open: bool
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    outcome: OutcomeOut | None
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
            attachments=[AttachmentOut(ref=a.ref, media_type=a.media_type) for a in q.attachments],
            dispute_open=q.dispute_open, acknowledged_at=q.acknowledged_at, resolved_at=q.resolved_at,
            closed_at=q.closed_at, outcome=outcome_out(q.outcome) if q.outcome else None,
            resolution_summary=q.resolution_summary, effect=EffectOut.of(q.effect) if q.effect else None,
            earlier_effects=[EffectOut.of(e) for e in q.earlier_effects], rating=q.rating,
            proposal=ProposalOut(outcome=outcome_out(q.proposal.outcome), summary=q.proposal.summary,
                                 proposed_by_id=q.proposal.proposed_by.user_id,
                                 proposed_at=q.proposal.proposed_at) if q.proposal else None,
            sla=SlaOut(acknowledge_within_working_days=q.sla.acknowledge_within,
                       resolve_within_working_days=q.sla.resolve_within, acknowledge_due_at=acknowledge_due_at(q),
                       resolve_due_at=resolve_due_at(q), state=row.sla_state, next_due_at=row.next_due_at,
                       age_working_days=row.age_working_days, age_band=row.age_band,
                       breaches=[BreachOut(sla=b.sla, due_at=b.due_at) for b in breaches(q, now)]),
            notes=[NoteOut(note_id=n.note_id, author_role=n.author.role, author_id=n.author.user_id, at=n.at,
                           text=n.text) for n in q.notes],
            history=[HistoryOut(action=h.action, before=h.before, after=h.after, actor_role=h.actor_role,
                                actor_id=h.actor_id, at=h.at, detail=h.detail)
                     for h in q.history])
