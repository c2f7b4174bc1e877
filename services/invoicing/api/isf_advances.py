"""`POST /isf-advances`: a finance officer raises a four-weekly period's individual service fund
advances (the job raises them too). Once per agreement and period: run it again and only agreements
not yet advanced are raised. 422 naming period_start for a day that does not start a four-weekly
period; 409 while another run of advances is under way; 403 for another role."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from shared.auth import Principal, require
from shared.http import cause_of, runtime_of
from shared.openapi import problem_responses
from shared.problems import ApiProblem
from services.invoicing.api.invoices import actor_of
from services.invoicing.api.models import IsfAdvanceRunIn, IsfAdvanceRunOut
from services.invoicing.config import config
from services.invoicing.domain.isf_advances import advance_period
from services.invoicing.steps import isf_advances as steps
from services.invoicing.steps.plan_runs import RunInProgress

router = APIRouter(tags=["isf advances"])
Officer = Annotated[Principal, Depends(require("finance_officer"))]


@router.post("/isf-advances", response_model=IsfAdvanceRunOut, responses=problem_responses(409),
             summary="Raise a four-weekly period's ISF advances")
async def raise_isf_advances(body: IsfAdvanceRunIn, request: Request, principal: Officer) -> IsfAdvanceRunOut:
    """One `isf_advance` per individual service fund active in the four-weekly period starting
    `period_start`, due on the period's first day (or today if later). 422 naming period_start for a day that
    does not start a four-weekly period; 409 while another run of advances is under way."""
    period = advance_period(body.period_start, config().four_weekly_anchor)  # 422 period_start otherwise
    runtime = runtime_of(request)
    if runtime.pool is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready")
    why = f"ISF advances for {period}"
    try:
        run = await steps.raise_isf_advances(runtime.pool, runtime.outbox, cause_of(request, principal, why),
                                             actor_of(principal, why), period.first)
    except RunInProgress as busy:
        raise ApiProblem(status.HTTP_409_CONFLICT, "run_in_progress", str(busy)) from None
    return IsfAdvanceRunOut(period_end=period.last, **run.counts(already="already_advanced"))
