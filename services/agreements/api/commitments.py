"""HTTP: a person's commitments against their personal budget."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shared.auth import Principal, forbid_unless, require
from shared.clock import london_date, utcnow
from shared.http import transaction
from services.agreements.api.fields import ForecastDay, PathId
from services.agreements.api.models import CommitmentOut
from services.agreements.domain.commitments import Commitment
from services.agreements.steps.commitments import current_commitment

router = APIRouter(tags=["commitments"])


def commitment_out(commitment: Commitment) -> CommitmentOut:
    return CommitmentOut(person_ref=commitment.person_ref, as_of=commitment.as_of,
                         weekly_budget_pence=commitment.weekly_budget_pence,
                         weekly_commitment_pence=commitment.weekly_pence,
                         annual_commitment_pence=commitment.annual_pence, exceeded=commitment.exceeded,
                         exceeded_by_weekly_pence=commitment.exceeded_by_weekly_pence, lines=list(commitment.lines))


@router.get("/people/{person_ref}/commitments", response_model=CommitmentOut,
            summary="Forecast weekly and annual cost of the person's agreements against their budget")
async def get_person_commitments(
        person_ref: PathId, request: Request,
        principal: Annotated[Principal, Depends(require(
            "social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops", "person"))],
        on: Annotated[ForecastDay | None, Query(description="The day forecast from (default today).")] = None
) -> CommitmentOut:
    forbid_unless(principal.may_see_person(person_ref), "a person may only see their own commitments")
    async with transaction(request) as conn:
        commitment = await current_commitment(conn, person_ref, on or london_date(utcnow()))
    return commitment_out(commitment)
