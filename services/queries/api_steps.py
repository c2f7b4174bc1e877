"""HTTP: the steps of a query, each one transaction with the events it publishes.

Officers acknowledge, assign, investigate, dispute (an invoice query) and resolve; the raiser's side
(or an officer) adds notes, closes, reopens; the raiser rates a closed query. A step the caller may
not take is 403 with the reason; one the state does not allow is 409 naming the state and what may
come next; bad input is 422 naming the field.

Effects are reported by the owning services' events. By hand, an officer records the agreement
variation of a vary_agreement effect (agreements does not echo query ids), marks an effect failed
when the owning service cannot answer, and asks again for a failed one.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Request

from services.queries import store_subjects
from services.queries.api_models import AssignIn, EffectDoneIn, NoteIn, QueryOut, RateIn, ReasonIn, ResolveIn
from services.queries.api_queries import ANYONE
from services.queries.domain_effects import complete_variation, fail_effect, retry_effect
from services.queries.domain_entitlement import Action
from services.queries.domain_lifecycle import (acknowledge, add_note, assign, check, close, dispute_invoice, rate,
                                               reopen, resolve, start_investigation)
from services.queries.domain_query import Assignment, Party, Query, Step
from services.queries.stepping import plain, take_step
from shared.auth import Principal

router = APIRouter(tags=["queries"])
Caller = Annotated[Principal, Depends(ANYONE)]


@router.post("/queries/{query_id}/acknowledge", response_model=QueryOut, summary="Acknowledge (officers)")
async def acknowledge_query(query_id: str, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(acknowledge))


@router.post("/queries/{query_id}/assign", response_model=QueryOut, summary="Assign to a team and/or officer")
async def assign_query(query_id: str, body: AssignIn, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(
        lambda q, by, at: assign(q, by, at, Assignment(body.team, body.officer_id))))


@router.post("/queries/{query_id}/investigate", response_model=QueryOut, summary="Start investigating (officers)")
async def investigate_query(query_id: str, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(start_investigation))


@router.post("/queries/{query_id}/notes", response_model=QueryOut, summary="Add a note to the conversation")
async def add_query_note(query_id: str, body: NoteIn, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(lambda q, by, at: add_note(q, by, at, body.text)))


@router.post("/queries/{query_id}/dispute", response_model=QueryOut,
             summary="Dispute the invoice the query is about (officers): held and left out of payment runs")
async def dispute_query_invoice(query_id: str, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(dispute_invoice))


@router.post("/queries/{query_id}/resolve", response_model=QueryOut,
             summary="Resolve with an outcome (officers): its effect is requested, a dispute closed")
async def resolve_query(query_id: str, body: ResolveIn, request: Request, principal: Caller) -> QueryOut:
    def resolved(q: Query, by: Party, at: datetime) -> Step:
        check(q, Action.RESOLVE, by)  # who and when before what: 403 / 409 before the outcome's fields
        return resolve(q, by, at, body.outcome.to_outcome(), body.summary)
    return await take_step(request, principal, query_id, plain(resolved))


@router.post("/queries/{query_id}/close", response_model=QueryOut,
             summary="Close a resolved query (refused while its effect is pending or failed)")
async def close_query(query_id: str, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(close))


@router.post("/queries/{query_id}/reopen", response_model=QueryOut, summary="Reopen: a fresh resolve clock")
async def reopen_query(query_id: str, body: ReasonIn, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(lambda q, by, at: reopen(q, by, at, body.reason)))


@router.post("/queries/{query_id}/rate", response_model=QueryOut, summary="Rate the resolution 1-5 (the raiser)")
async def rate_query(query_id: str, body: RateIn, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(lambda q, by, at: rate(q, by, at, body.rating)))


@router.post("/queries/{query_id}/effect/variation", response_model=QueryOut,
             summary="Record the agreement variation a vary_agreement effect made (officers)")
async def record_variation(query_id: str, body: EffectDoneIn, request: Request, principal: Caller) -> QueryOut:
    async def step(conn: asyncpg.Connection, q: Query, by: Party, at: datetime) -> Step:
        agreement_id = getattr(q.outcome, "agreement_id", None)
        effective_from = await store_subjects.version_of(conn, agreement_id, body.agreement_version) \
            if agreement_id else None
        return complete_variation(q, by, at, body.agreement_version, effective_from)
    return await take_step(request, principal, query_id, step)


@router.post("/queries/{query_id}/effect/fail", response_model=QueryOut,
             summary="Record that the effect could not be carried out, and why (officers)")
async def fail_query_effect(query_id: str, body: ReasonIn, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(
        lambda q, by, at: fail_effect(q, by, at, body.reason)))


@router.post("/queries/{query_id}/effect/retry", response_model=QueryOut,
             summary="Ask the owning service again for a failed effect (officers)")
async def retry_query_effect(query_id: str, request: Request, principal: Caller) -> QueryOut:
    return await take_step(request, principal, query_id, plain(retry_effect))

