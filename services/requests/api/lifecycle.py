"""HTTP entrypoints that move a request through its lifecycle, one explicit step per route.

Every step, in one transaction (`steps.lifecycle`): lock the request, apply the domain rule, save
the new state, record the event in the outbox and a history row with the actor and their reason.
Answers: 200 with the request; 404 for a request that does not exist or is another person's (see
api/requests.py), before the body's rules are looked at; 403 for a role that may not take the step or
a person not allocated to the caller; 422 naming the field and the rule; 409 (`request_step_not_allowed`)
saying what state the request is in and what it can do from there.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shared.auth import Principal, require
from shared.http import cause_of, not_found, runtime_of, transaction
from services.requests.api.models import AssessIn, BudgetIn, MechanismIn, ReasonIn, RequestId, RequestOut, StepIn
from services.requests.api.requests import read_request
from services.requests.domain.access import PERMITTED_ROLES
from services.requests.domain.assessment import Assessment
from services.requests.domain.budget import Budget
from services.requests.domain.lifecycle import Action
from services.requests.domain.mechanism import MechanismChoice
from services.requests.domain.request import ServiceRequest, Transition
from services.requests.steps import lifecycle

router = APIRouter(tags=["request lifecycle"])


def allowed(action: Action):
    return Depends(require(*sorted(PERMITTED_ROLES[action])))


async def take_step(request: Request, principal: Principal, request_id: str, reason: str | None,
                    step: Callable[[ServiceRequest], Transition]) -> RequestOut:
    reason = reason.strip() if reason and reason.strip() else None
    async with transaction(request) as conn:
        taken = await lifecycle.take_step(conn, runtime_of(request).outbox, cause_of(request, principal, reason),
                                          principal, request_id, reason, step)
        if taken is None:
            raise not_found(f"request {request_id}")
        return await read_request(conn, request_id)


@router.post("/requests/{request_id}/assess", response_model=RequestOut, summary="Record the needs assessment")
async def assess_request(request_id: RequestId, body: AssessIn, request: Request,
                         principal: Annotated[Principal, allowed(Action.ASSESS)]) -> RequestOut:
    """social_worker. submitted -> assessed. Needs and outcomes stay here; RequestAssessed carries
    only eligible and service_type. An eligible assessment needs at least one need and one outcome."""
    return await take_step(request, principal, request_id, body.reason, lambda r: r.assess(
        Assessment(body.eligible, body.service_type, tuple(body.needs), tuple(body.outcomes))))


@router.post("/requests/{request_id}/budget", response_model=RequestOut, summary="Agree the personal budget")
async def agree_request_budget(request_id: RequestId, body: BudgetIn, request: Request,
                               principal: Annotated[Principal, allowed(Action.AGREE_BUDGET)]) -> RequestOut:
    """social_worker. assessed (eligible) -> budget_agreed. Weekly budget and the person's weekly
    contribution in pence: both 0 or more, contribution no more than the budget."""
    return await take_step(request, principal, request_id, body.reason, lambda r: r.agree_budget(
        Budget(body.weekly_budget_pence, body.weekly_contribution_pence)))


@router.post("/requests/{request_id}/mechanism", response_model=RequestOut,
             summary="Choose or change how the budget is paid")
async def choose_request_mechanism(request_id: RequestId, body: MechanismIn, request: Request,
                                   principal: Annotated[Principal, allowed(Action.CHOOSE_MECHANISM)]) -> RequestOut:
    """person (own request) or social_worker on their behalf. From budget_agreed, and later as a
    change (MechanismChosen with previous_mechanism): a change after approval returns the request to
    mechanism_chosen for approval again; a change while active keeps it active. A nominee is
    required for direct_payment and refused otherwise."""
    return await take_step(request, principal, request_id, body.reason, lambda r: r.choose_mechanism(
        MechanismChoice(body.mechanism, body.nominee, body.preferred_provider_id)))


@router.post("/requests/{request_id}/approve", response_model=RequestOut, summary="Approve the request")
async def approve_request(request_id: RequestId, request: Request,
                          principal: Annotated[Principal, allowed(Action.APPROVE)],
                          body: StepIn | None = None) -> RequestOut:
    """brokerage_officer. mechanism_chosen -> approved. RequestApproved carries all the agreements
    service needs to draft the agreement or direct payment."""
    return await take_step(request, principal, request_id, body.reason if body else None,
                           lambda r: r.approve())


@router.post("/requests/{request_id}/cancel", response_model=RequestOut, summary="Cancel the request")
async def cancel_request(request_id: RequestId, body: ReasonIn, request: Request,
                         principal: Annotated[Principal, allowed(Action.CANCEL)]) -> RequestOut:
    """person (own request), social_worker or brokerage_officer, from any state that is not final,
    with a reason."""
    return await take_step(request, principal, request_id, body.reason, lambda r: r.cancel(body.reason))


@router.post("/requests/{request_id}/close", response_model=RequestOut, summary="Close an active request")
async def close_request(request_id: RequestId, body: ReasonIn, request: Request,
                        principal: Annotated[Principal, allowed(Action.CLOSE)]) -> RequestOut:
    """brokerage_officer. active -> closed (the service has ended), with a reason."""
    return await take_step(request, principal, request_id, body.reason, lambda r: r.close(body.reason))
