"""HTTP: a resolved query's effect, by hand (officers).

Effects are reported by the owning services' events. By hand, an officer records the agreement
variation of a vary_agreement effect (agreements does not echo query ids), marks an effect failed
when the owning service cannot answer, and asks again for a failed one. Each is a step of the query
(`query_steps.taken`): 403 with the reason, 409 naming the state, 422 naming the field, 404 no query.
"""
from __future__ import annotations

from fastapi import APIRouter, Request

from services.queries.api.callers import Caller
from services.queries.api.models import EffectDoneIn, QueryOut, ReasonIn
from services.queries.api.query_steps import OFFICERS_ONLY, step_responses, taken
from services.queries.domain.effects import fail_effect, retry_effect
from services.queries.steps.query_steps import plain, variation_recorded
from shared.bounds import PathId

router = APIRouter(tags=["queries"])


@router.post("/queries/{query_id}/effect/variation", response_model=QueryOut,
             summary="Record the agreement variation a vary_agreement effect made (officers)",
             responses={**step_responses(OFFICERS_ONLY, "The query has no vary_agreement effect, or it was "
                                                        "completed with another version"),
                        404: {"description": "No query with this query_id (code query_not_found), or agreements has "
                                             "not published this version of the agreement's terms (yet) (code "
                                             "agreement_version_not_found, field body.agreement_version)"}})
async def record_agreement_variation(query_id: PathId, body: EffectDoneIn, request: Request,
                                     principal: Caller) -> QueryOut:
    """422 (field agreement_version) when the version takes effect from another date than the resolution
    asked for."""
    return await taken(request, principal, query_id, variation_recorded(body.agreement_version))


@router.post("/queries/{query_id}/effect/fail", response_model=QueryOut,
             summary="Record that the effect could not be carried out, and why (officers)",
             responses=step_responses(OFFICERS_ONLY, "The query has no effect awaiting a result"))
async def fail_query_effect(query_id: PathId, body: ReasonIn, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(
        lambda q, by, at: fail_effect(q, by, at, body.reason)))


@router.post("/queries/{query_id}/effect/retry", response_model=QueryOut,
             summary="Ask the owning service again for a failed effect (officers)",
             responses=step_responses(OFFICERS_ONLY, "The query has no failed effect"))
async def retry_query_effect(query_id: PathId, request: Request, principal: Caller) -> QueryOut:
    return await taken(request, principal, query_id, plain(retry_effect))
