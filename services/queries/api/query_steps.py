"""HTTP: the steps of a query, each one transaction with the events it publishes.

Officers acknowledge, assign, investigate, dispute (an invoice query) and resolve (with an outcome
that moves money: finance only; above CAREPAY_QUERIES_SECOND_PERSON_ABOVE_PENCE it is proposed and
awaits approval, and a finance approver other than the proposer approves or rejects it); the raiser's side
(or an officer) adds notes, closes, reopens; the raiser rates a closed query. A step the caller may
not take is 403 with the reason (domain.entitlement); one the state does not allow is 409 naming the
state and what may come next (domain.lifecycle); bad input is 422 naming the field; no such query, 404.
Each route documents its own 403 and 409.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from services.queries import metrics
from services.queries.api.callers import Caller, party_of
from services.queries.api.models import AssignIn, NoteIn, QueryOut, RateIn, ReasonIn, ResolveIn
from services.queries.api.queries import NOT_FOUND_QUERY, not_known, query_not_found
from services.queries.config import config
from services.queries.domain.entitlement import Action
from services.queries.domain.errors import NotKnown
from services.queries.domain.lifecycle import (acknowledge, add_note, approve_outcome, assign, check, close,
                                               dispute_invoice, rate, reject_outcome, reopen, resolve,
                                               start_investigation)
from services.queries.domain.outcomes import MONEY_MOVING
from services.queries.domain.query import Assignment, Party, Query, Step
from services.queries.steps.query_steps import StepIn, plain, take_step
from shared.auth import Principal
from shared.bounds import PathId
from shared.clock import utcnow
from shared.http import cause_of, runtime_of, transaction

router = APIRouter(tags=["queries"])
OFFICERS_ONLY = "Only an officer may take this step (a provider or person may not)"
RAISER_OR_OFFICER = "Only an officer or the side that raised the query may take this step"


def step_responses(forbidden: str, conflict: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a step: who may take it (403), from which states (409), and 404."""
    return {**NOT_FOUND_QUERY, 403: {"description": forbidden},
            409: {"description": f"{conflict} (the detail names the state and what may come next); or an "
                                 "earlier request with the same Idempotency-Key is still running"}}


async def taken(request: Request, principal: Principal, query_id: str, step: StepIn,
                reason: str | None = None) -> QueryOut:
    """Take `step` of the query as the caller now (one transaction with its events); the query after it.
    `reason` goes on the events' envelope beside the caller (deciding on money: proposing, approving)."""
    now = utcnow()
    try:
        async with transaction(request) as conn:
            done = await take_step(conn, runtime_of(request).outbox, cause_of(request, principal, reason), query_id,
                                   party_of(principal), now, step)
    except NotKnown as unknown:
        raise not_known(unknown) from None
    if done is None:
        raise query_not_found(query_id)
    metrics.observe(done.query, done.events)
    return QueryOut.of(done.query, now)


@router.post("/queries/{query_id}/acknowledge", response_model=QueryOut, summary="Acknowledge (officers)",
             responses=step_responses(OFFICERS_ONLY, "The query is not open"))
async def acknowledge_query(query_id: PathId, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(acknowledge))


@router.post("/queries/{query_id}/assign", response_model=QueryOut, summary="Assign to a team and/or officer",
             responses=step_responses(OFFICERS_ONLY, "The query is closed"))
async def assign_query(query_id: PathId, body: AssignIn, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(
        lambda q, by, at: assign(q, by, at, Assignment(body.team, body.officer_id))))


@router.post("/queries/{query_id}/investigate", response_model=QueryOut, summary="Start investigating (officers)",
             responses=step_responses(OFFICERS_ONLY, "The query is neither acknowledged nor reopened"))
async def investigate_query(query_id: PathId, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(start_investigation))


@router.post("/queries/{query_id}/notes", response_model=QueryOut, summary="Add a note to the conversation",
             responses={**NOT_FOUND_QUERY, 403: {"description": RAISER_OR_OFFICER}})
async def add_query_note(query_id: PathId, body: NoteIn, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(lambda q, by, at: add_note(q, by, at, body.text)))


@router.post("/queries/{query_id}/dispute", response_model=QueryOut,
             summary="Dispute the invoice the query is about (officers): held and left out of payment runs",
             responses=step_responses(OFFICERS_ONLY, "The query is not about an invoice, is resolved, awaiting "
                                                     "approval or closed, or already disputes its invoice"))
async def dispute_query_invoice(query_id: PathId, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(dispute_invoice))


@router.post("/queries/{query_id}/resolve", response_model=QueryOut,
             summary="Resolve with an outcome (officers): its effect is requested, a dispute closed",
             responses=step_responses(
                 "Only an officer may resolve; only a finance officer or finance approver with an outcome that "
                 "moves money (credit_note, supplementary_payment)",
                 "The query is not being investigated, or it already moved money once"))
async def resolve_query(query_id: PathId, body: ResolveIn, request: Request, principal: Caller) -> QueryOut:
    """A money-moving outcome above the second-person threshold is only proposed (status awaiting_approval).
    422 names the outcome's field when it cannot apply to the query's subject (a credit note with no
    invoice to credit, a visit to re-verify on a query about no visit, check-out not after check-in)."""
    def resolved(q: Query, by: Party, at: datetime) -> Step:
        check(q, Action.RESOLVE, by)  # who and when before what: 403 / 409 before the outcome applies
        return resolve(q, by, at, body.outcome.to_outcome(), body.summary,
                       second_person_above_pence=config().second_person_above_pence)
    money = body.outcome.kind in MONEY_MOVING
    return await taken(request, principal, query_id, plain(resolved), body.summary if money else None)


@router.post("/queries/{query_id}/outcome/approve", response_model=QueryOut,
             summary="Approve the proposed money-moving outcome (a finance approver other than the proposer):"
                     " resolved, its effect requested",
             responses=step_responses("Only a finance approver, and not the one who proposed the outcome",
                                      "The query is not awaiting approval, or it already moved money once"))
async def approve_query_outcome(query_id: PathId, body: ReasonIn, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(
        lambda q, by, at: approve_outcome(q, by, at, body.reason)), body.reason)


@router.post("/queries/{query_id}/outcome/reject", response_model=QueryOut,
             summary="Reject the proposed money-moving outcome (a finance approver): investigated again",
             responses=step_responses("Only a finance approver", "The query is not awaiting approval"))
async def reject_query_outcome(query_id: PathId, body: ReasonIn, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(
        lambda q, by, at: reject_outcome(q, by, at, body.reason)), body.reason)


@router.post("/queries/{query_id}/close", response_model=QueryOut,
             summary="Close a resolved query (refused while its effect is pending or failed)",
             responses=step_responses(RAISER_OR_OFFICER, "The query is not resolved, or its effect is still "
                                                         "pending or failed"))
async def close_query(query_id: PathId, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(close))


@router.post("/queries/{query_id}/reopen", response_model=QueryOut, summary="Reopen: a fresh resolve clock",
             responses=step_responses(RAISER_OR_OFFICER, "The query is neither resolved nor closed, or its effect "
                                                         "is still pending"))
async def reopen_query(query_id: PathId, body: ReasonIn, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(lambda q, by, at: reopen(q, by, at, body.reason)))


@router.post("/queries/{query_id}/rate", response_model=QueryOut, summary="Rate the resolution 1-5 (the raiser)",
             responses=step_responses("Only the side that raised the query may rate it",
                                      "The query is not closed, or was already rated since it was resolved"))
async def rate_query(query_id: PathId, body: RateIn, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(lambda q, by, at: rate(q, by, at, body.rating)))
