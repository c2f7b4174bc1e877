"""HTTP: reassessing an active request's budget from a date.

A social worker (of an allocated person) or a team manager; 404 for a request that does not exist (before
the body's figures are looked at), 403 for a social worker the person is not allocated to, 422 naming the
field for a request that is not active, a date before the request's start or a contribution above the budget.
The answer is the reassessment (no personal details: a team manager reads no request).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from shared.auth import Principal, require
from shared.http import cause_of, not_found, runtime_of, transaction
from services.requests.api.models import ReassessIn, ReassessmentOut, RequestId
from services.requests.api.requests import reassessment_out
from services.requests.domain.access import PERMITTED_ROLES
from services.requests.domain.lifecycle import Action
from services.requests.domain.reassessment import Reassessment
from services.requests.steps.reassessment import reassess

router = APIRouter(tags=["request lifecycle"])


@router.post("/requests/{request_id}/reassessments", status_code=status.HTTP_201_CREATED,
             response_model=ReassessmentOut, summary="Reassess an active request: a new budget from a date")
async def reassess_request(request_id: RequestId, body: ReassessIn, request: Request,
                           principal: Annotated[Principal, Depends(require(*sorted(PERMITTED_ROLES[Action.REASSESS])))]
                           ) -> ReassessmentOut:
    """Publishes BudgetReassessed (with the budget before it and a new reassessment_id) and records the step in
    the request's history; the request stays active. Agreements keeps the budget in force from
    `effective_from`; a live direct payment changes only when an officer varies it there."""
    reason = body.reason.strip() if body.reason and body.reason.strip() else None
    async with transaction(request) as conn:
        row = await reassess(conn, runtime_of(request).outbox, cause_of(request, principal, reason), principal,
                             request_id, lambda: Reassessment.new(body.effective_from, body.weekly_budget_pence,
                                                                  body.weekly_contribution_pence), reason)
        if row is None:
            raise not_found(f"request {request_id}")
        return reassessment_out(row)
