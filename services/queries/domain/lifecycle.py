"""The steps of a query: open -> acknowledged -> investigating -> resolved -> closed, or reopened.

    open -> acknowledged -> investigating -> resolved -> closed
                 reopened -> investigating     resolved | closed -> reopened
                      investigating -> awaiting_approval -> resolved (approved) | investigating (rejected)

Each step checks who is acting (`entitlement`), then the state, records itself in the
query's history with actor and time, and returns a `Step`: the query after it and the events to
publish in the same transaction. Assigning, adding notes and disputing an invoice leave the
status as it is. A query with a pending (or failed) effect cannot be closed; see `effects`.
A disputing query publishes DisputeOpened when raised (or disputed) and again when reopened,
and DisputeClosed when resolved.

Money: an outcome that moves money (credit_note, supplementary_payment) is chosen only by finance
(`entitlement.may_move_money`). Above the second-person threshold (SECOND_PERSON_ABOVE_PENCE, set by
CAREPAY_QUERIES_SECOND_PERSON_ABOVE_PENCE) resolving only proposes it: the query awaits approval and
a finance approver other than the proposer approves it (`approve_outcome`; then it is resolved and
its effect requested) or rejects it (`reject_outcome`; investigated again). A query moves money at
most once: once a money-moving effect was requested, resolving it again with another money-moving
outcome is refused naming that effect (a failed one is asked for again with retry_effect; anything
more is a new query). The database holds the same rule (queries' migration 0002).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from contracts.queries import (DisputeClosed, DisputeOpened, QueryAcknowledged, QueryAssigned, QueryCategory,
                               QueryClosed, QueryInvestigationStarted, QueryNoteAdded, QueryOutcomeApproved,
                               QueryOutcomeProposed, QueryOutcomeRejected, QueryRaised, QueryRated, QueryReopened,
                               QueryResolved, SubjectKind)
from services.queries.domain.entitlement import Action, may_approve, may_move_money, may_raise, may_take
from services.queries.domain.errors import IllegalTransition, InvalidQuery, a, required_text, utc
from services.queries.domain.outcomes import (Effect, EffectStatus, Outcome, amount_of, bind, effect_request,
                                              moves_money)
from services.queries.domain.query import (MAX_ATTACHMENTS, Assignment, Attachment, HistoryEntry, Note, Party,
                                           Proposal, Query, QueryStatus, Step, Subject, new_id)
from services.queries.domain.sla import (STANDARD, SlaPolicies, acknowledge_due_at, resolve_due_at,
                                         working_days_taken)

S = QueryStatus
NEXT_STATES: dict[QueryStatus, tuple[QueryStatus, ...]] = {
    S.OPEN: (S.ACKNOWLEDGED,),
    S.ACKNOWLEDGED: (S.INVESTIGATING,),
    S.INVESTIGATING: (S.RESOLVED, S.AWAITING_APPROVAL),
    S.AWAITING_APPROVAL: (S.RESOLVED, S.INVESTIGATING),
    S.RESOLVED: (S.CLOSED, S.REOPENED),
    S.CLOSED: (S.REOPENED,),
    S.REOPENED: (S.INVESTIGATING,),
}
ALLOWED_FROM: dict[Action, frozenset[QueryStatus]] = {
    Action.ACKNOWLEDGE: frozenset({S.OPEN}),
    Action.START_INVESTIGATION: frozenset({S.ACKNOWLEDGED, S.REOPENED}),
    Action.RESOLVE: frozenset({S.INVESTIGATING}),
    Action.APPROVE_OUTCOME: frozenset({S.AWAITING_APPROVAL}),
    Action.REJECT_OUTCOME: frozenset({S.AWAITING_APPROVAL}),
    Action.CLOSE: frozenset({S.RESOLVED}),
    Action.REOPEN: frozenset({S.RESOLVED, S.CLOSED}),
    Action.ASSIGN: frozenset(set(S) - {S.CLOSED}),
    Action.DISPUTE_INVOICE: frozenset({S.OPEN, S.ACKNOWLEDGED, S.INVESTIGATING, S.REOPENED}),
    Action.ADD_NOTE: frozenset(S),
    Action.RATE: frozenset({S.CLOSED}),
}
_AS_WORDS = {Action.ACKNOWLEDGE: "acknowledged", Action.START_INVESTIGATION: "investigated",
             Action.RESOLVE: "resolved", Action.APPROVE_OUTCOME: "approved",
             Action.REJECT_OUTCOME: "rejected", Action.CLOSE: "closed", Action.REOPEN: "reopened",
             Action.ASSIGN: "assigned", Action.DISPUTE_INVOICE: "made to dispute its invoice",
             Action.ADD_NOTE: "given a note", Action.RATE: "rated", Action.RETRY_EFFECT: "given its effect again"}

# Money-moving outcomes above this many pence need a second person (the config's default).
SECOND_PERSON_ABOVE_PENCE = 50_000

# Categories that only make sense about one kind of subject.
CATEGORY_SUBJECTS: dict[QueryCategory, SubjectKind] = {
    QueryCategory.INVOICE_HELD_OR_REJECTED: SubjectKind.INVOICE,
    QueryCategory.REMITTANCE_MISMATCH: SubjectKind.PAYMENT,
    QueryCategory.DIRECT_PAYMENT_BALANCE: SubjectKind.DIRECT_PAYMENT,
}


def refuse(query: Query, action: Action | str, why: str = "") -> IllegalTransition:
    """The error for a step this query cannot take now: its state, what it may move to, and why."""
    attempted = _AS_WORDS.get(action, action) if isinstance(action, Action) else action
    return IllegalTransition(query.query_id, query.status.value, attempted,
                             [s.value for s in NEXT_STATES[query.status]], why)


def check(query: Query, action: Action, actor: Party) -> None:
    """Entitlement first (403), then state (409)."""
    may_take(actor, action, query).enforce()
    if query.status not in ALLOWED_FROM[action]:
        raise refuse(query, action)


def record(query: Query, action: str, actor: Party, at: datetime, detail: str | None = None, **changes) -> Query:
    """The query with `changes` applied and the step appended to its history."""
    after = changes.get("status", query.status)
    entry = HistoryEntry(action, query.status, after, actor.role, actor.user_id, at, detail)
    return replace(query, **changes, history=query.history + (entry,))


def raise_query(subject: Subject, category: QueryCategory, description: str, raised_by: Party, at: datetime, *,
                attachments: Sequence[Attachment] = (), disputes_invoice: bool = False,
                policies: SlaPolicies = STANDARD, query_id: str | None = None) -> Step:
    """A new query, open, with its SLA fixed from the policy for its category."""
    at = utc(at)
    may_raise(raised_by, subject, disputes_invoice).enforce()
    expected = CATEGORY_SUBJECTS.get(category)
    if expected and subject.kind != expected:
        raise InvalidQuery("category", f"{category.value} is about {a(expected.value)}; this query is about"
                                       f" {a(subject.kind.value)} (choose another category, or query the"
                                       f" {expected.value})")
    if disputes_invoice and subject.kind != SubjectKind.INVOICE:
        raise InvalidQuery("disputes_invoice", f"only a query about an invoice can dispute it; this one is about"
                                               f" {a(subject.kind.value)}")
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidQuery("attachments", f"at most {MAX_ATTACHMENTS} (got {len(attachments)})")
    if len({doc.ref for doc in attachments}) != len(attachments):
        raise InvalidQuery("attachments", "each document is attached once: a ref appears twice")
    query = Query(query_id or new_id("QRY"), subject, category, required_text(description, "description"),
                  raised_by, at, policies.for_category(category), disputes_invoice=disputes_invoice,
                  dispute_open=disputes_invoice, attachments=tuple(attachments))
    query = replace(query, history=(HistoryEntry("raise", None, S.OPEN, raised_by.role, raised_by.user_id, at),))
    events = [QueryRaised(query_id=query.query_id, subject_kind=subject.kind, subject_id=subject.subject_id,
                          provider_id=subject.provider_id, person_ref=subject.person_ref, category=category,
                          raised_by_role=raised_by.role, disputes_invoice=disputes_invoice,
                          attachment_count=len(attachments), acknowledge_due_at=acknowledge_due_at(query),
                          resolve_due_at=resolve_due_at(query))]
    if disputes_invoice:
        events.append(_dispute_opened(query))
    return Step(query, tuple(events))


def acknowledge(query: Query, by: Party, at: datetime) -> Step:
    at = utc(at)
    check(query, Action.ACKNOWLEDGE, by)
    after = record(query, "acknowledge", by, at, status=S.ACKNOWLEDGED, acknowledged_at=at)
    return Step(after, (QueryAcknowledged(query_id=query.query_id,
                                          working_days_taken=working_days_taken(query.raised_at, at),
                                          within_sla=at < acknowledge_due_at(query)),))


def assign(query: Query, by: Party, at: datetime, assignment: Assignment) -> Step:
    at = utc(at)
    check(query, Action.ASSIGN, by)
    detail = ", ".join(f"{k} {v}" for k, v in (("team", assignment.team), ("officer", assignment.officer_id)) if v)
    after = record(query, "assign", by, at, detail, assignment=assignment)
    return Step(after, (QueryAssigned(query_id=query.query_id, team=assignment.team,
                                      officer_id=assignment.officer_id),))


def start_investigation(query: Query, by: Party, at: datetime) -> Step:
    at = utc(at)
    check(query, Action.START_INVESTIGATION, by)
    after = record(query, "start_investigation", by, at, status=S.INVESTIGATING)
    return Step(after, (QueryInvestigationStarted(query_id=query.query_id),))


def dispute_invoice(query: Query, by: Party, at: datetime) -> Step:
    """An officer decides an open query about an invoice disputes it: the invoice is held from now."""
    at = utc(at)
    check(query, Action.DISPUTE_INVOICE, by)
    if query.subject.kind != SubjectKind.INVOICE:  # what the query is about, not the request: its state (409)
        raise refuse(query, Action.DISPUTE_INVOICE, f"only a query about an invoice can dispute it; this one is"
                                                    f" about {a(query.subject.kind.value)}")
    if query.dispute_open:
        raise refuse(query, Action.DISPUTE_INVOICE, "it already disputes the invoice")
    after = record(query, "dispute_invoice", by, at, disputes_invoice=True, dispute_open=True)
    return Step(after, (_dispute_opened(after),))


def money_moved_already(query: Query) -> Effect | None:
    """The money-moving effect this query already asked for (current or before a reopening), if any."""
    effects = query.earlier_effects + ((query.effect,) if query.effect else ())
    return next((e for e in effects if moves_money(e.kind)), None)


def _money_once(query: Query, outcome: Outcome, action: Action) -> None:
    earlier = money_moved_already(query) if moves_money(outcome.kind) else None
    if earlier is not None:
        raise refuse(query, action, f"it already moved money once: its {earlier.kind.value} effect"
                                    f" {earlier.effect_id} was requested on {earlier.requested_at.isoformat()}"
                                    f" ({earlier.status.value}); a query moves money at most once (retry a failed"
                                    " effect, or raise a new query)")


def resolve(query: Query, by: Party, at: datetime, outcome: Outcome, summary: str,
            effect_id: str | None = None, *, second_person_above_pence: int = SECOND_PERSON_ABOVE_PENCE) -> Step:
    """Resolved with an outcome; its effect is requested now and is pending until reported. A money-moving
    outcome above `second_person_above_pence` is only proposed: the query awaits approval."""
    at = utc(at)
    check(query, Action.RESOLVE, by)
    if moves_money(outcome.kind):  # who before what: 403 before the outcome's fields
        may_move_money(by, outcome.kind, query).enforce()
    outcome = bind(outcome, query.subject)
    summary = required_text(summary, "summary")
    if moves_money(outcome.kind):
        _money_once(query, outcome, Action.RESOLVE)
        if amount_of(outcome) > second_person_above_pence:
            return _propose(query, by, at, outcome, summary, second_person_above_pence)
    return _resolved(query, by, at, outcome, summary, effect_id)


def _propose(query: Query, by: Party, at: datetime, outcome: Outcome, summary: str, threshold: int) -> Step:
    proposal = Proposal(outcome, summary, by, at)
    after = record(query, "propose_outcome", by, at,
                   f"{outcome.kind.value} {amount_of(outcome)} pence awaits a second finance approver: {summary}",
                   status=S.AWAITING_APPROVAL, proposal=proposal)
    return Step(after, (QueryOutcomeProposed(query_id=query.query_id, outcome=outcome.kind,
                                             amount_pence=amount_of(outcome), proposed_by_id=by.user_id,
                                             threshold_pence=threshold),))


def approve_outcome(query: Query, by: Party, at: datetime, reason: str, effect_id: str | None = None) -> Step:
    """A finance approver other than the proposer approves the proposed outcome: resolved with it, and
    its effect requested, now."""
    at = utc(at)
    check(query, Action.APPROVE_OUTCOME, by)
    may_approve(by, query).enforce()
    reason = required_text(reason, "reason", 1000)
    proposal = query.proposal
    _money_once(query, proposal.outcome, Action.APPROVE_OUTCOME)
    approved = record(query, "approve_outcome", by, at, f"{proposal.outcome.kind.value} {amount_of(proposal.outcome)}"
                      f" pence proposed by {proposal.proposed_by.user_id}: {reason}", proposal=None)
    done = _resolved(approved, by, at, proposal.outcome, proposal.summary, effect_id)
    return Step(done.query, (QueryOutcomeApproved(query_id=query.query_id, outcome=proposal.outcome.kind,
                                                  amount_pence=amount_of(proposal.outcome),
                                                  proposed_by_id=proposal.proposed_by.user_id,
                                                  approved_by_id=by.user_id),) + done.events)


def reject_outcome(query: Query, by: Party, at: datetime, reason: str) -> Step:
    """A finance approver rejects the proposed outcome: investigated again, nothing requested."""
    at = utc(at)
    check(query, Action.REJECT_OUTCOME, by)
    may_approve(by, query, approving=False).enforce()
    reason = required_text(reason, "reason", 1000)
    proposal = query.proposal
    after = record(query, "reject_outcome", by, at, f"{proposal.outcome.kind.value} {amount_of(proposal.outcome)}"
                   f" pence proposed by {proposal.proposed_by.user_id}: {reason}", status=S.INVESTIGATING,
                   proposal=None)
    return Step(after, (QueryOutcomeRejected(query_id=query.query_id, outcome=proposal.outcome.kind,
                                             amount_pence=amount_of(proposal.outcome),
                                             proposed_by_id=proposal.proposed_by.user_id, rejected_by_id=by.user_id),))


def _resolved(query: Query, by: Party, at: datetime, outcome: Outcome, summary: str, effect_id: str | None) -> Step:
    effect_id = effect_id or new_id("EFF")
    request = effect_request(query.query_id, effect_id, outcome)
    effect = Effect(effect_id, outcome.kind, at) if request else None
    after = record(query, "resolve", by, at, outcome.kind.value, status=S.RESOLVED, resolved_at=at, outcome=outcome,
                   resolution_summary=summary, effect=effect, dispute_open=False)
    events = [QueryResolved(query_id=query.query_id, outcome=outcome.kind, amount_pence=amount_of(outcome),
                            effect_id=effect.effect_id if effect else None,
                            working_days_taken=working_days_taken(query.resolve_clock_start, at),
                            within_sla=at < resolve_due_at(query))]
    # The dispute closes before the effect is asked for: invoicing corrects only an invoice that is no
    # longer held, and both events share the query's key, so they arrive in this order.
    if query.dispute_open:
        events.append(DisputeClosed(query_id=query.query_id, invoice_id=query.subject.subject_id,
                                    provider_id=query.subject.provider_id))
    if request:
        events.append(request)
    return Step(after, tuple(events))


def close(query: Query, by: Party, at: datetime) -> Step:
    """Closed once resolved and its effect (if any) is done."""
    at = utc(at)
    check(query, Action.CLOSE, by)
    effect = query.effect
    if effect and effect.status == EffectStatus.PENDING:
        raise refuse(query, Action.CLOSE, f"its {effect.kind.value} effect {effect.effect_id} is still pending;"
                                          " it can close once the owning service reports it done")
    if effect and effect.status == EffectStatus.FAILED:
        raise refuse(query, Action.CLOSE, f"its {effect.kind.value} effect {effect.effect_id} failed"
                                          f" ({effect.failure_reason}); retry the effect, or reopen and resolve"
                                          " it another way")
    after = record(query, "close", by, at, status=S.CLOSED, closed_at=at)
    return Step(after, (QueryClosed(query_id=query.query_id, closed_by_role=by.role, outcome=query.outcome.kind),))


def reopen(query: Query, by: Party, at: datetime, reason: str) -> Step:
    """Back to work: a fresh resolve clock from now; a disputing query holds its invoice again."""
    at = utc(at)
    check(query, Action.REOPEN, by)
    if query.effect and query.effect.pending:
        raise refuse(query, Action.REOPEN, f"its {query.effect.kind.value} effect {query.effect.effect_id} is"
                                           " still pending; wait until it is done or failed")
    earlier = query.earlier_effects + ((query.effect,) if query.effect else ())
    after = record(query, "reopen", by, at, required_text(reason, "reason"), status=S.REOPENED,
                   clock_started_at=at, resolved_at=None, closed_at=None, outcome=None, resolution_summary=None,
                   effect=None, earlier_effects=earlier, rating=None, dispute_open=query.disputes_invoice)
    events = [QueryReopened(query_id=query.query_id, reopened_by_role=by.role, resolve_due_at=resolve_due_at(after))]
    if query.disputes_invoice:
        events.append(_dispute_opened(after))
    return Step(after, tuple(events))


def add_note(query: Query, by: Party, at: datetime, text: str, note_id: str | None = None) -> Step:
    """A note in the query's conversation, in any state; its text never leaves this service."""
    at = utc(at)
    check(query, Action.ADD_NOTE, by)
    note = Note(note_id or new_id("NOTE"), by, at, required_text(text, "text"))
    after = record(query, "add_note", by, at, note.note_id, notes=query.notes + (note,))
    return Step(after, (QueryNoteAdded(query_id=query.query_id, note_id=note.note_id, author_role=by.role),))


def rate(query: Query, by: Party, at: datetime, rating: int) -> Step:
    """The raiser's satisfaction with a closed query, 1 (poor) to 5 (very good), once per closure."""
    at = utc(at)
    check(query, Action.RATE, by)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidQuery("rating", f"a whole number from 1 to 5 (got {rating!r})")
    if query.rating is not None:
        raise refuse(query, Action.RATE, f"it was already rated {query.rating} for this resolution")
    after = record(query, "rate", by, at, str(rating), rating=rating)
    return Step(after, (QueryRated(query_id=query.query_id, rating=rating),))


def _dispute_opened(query: Query) -> DisputeOpened:
    return DisputeOpened(query_id=query.query_id, invoice_id=query.subject.subject_id,
                         provider_id=query.subject.provider_id)
