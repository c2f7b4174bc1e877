"""HTTP: an agreement's actuals for one Monday–Sunday week, and the provider's confirmation of them."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from services.delivery.api.access import PROVIDER_OR_OFFICER, visible_agreement
from services.delivery.api.models import PeriodOut
from services.delivery.config import confirm_policy
from services.delivery.domain.known_agreements import KnownAgreement
from services.delivery.domain.periods import checked_week, week_end
from services.delivery.steps.confirmation import confirm_period
from services.delivery.store import periods as store_periods
from services.delivery.store.agreements import BOOK
from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import utcnow
from shared.errors import IllegalState, RuleBroken
from shared.http import cause_of, runtime_of, transaction
from shared.problems import ApiProblem

router = APIRouter(tags=["periods"])
POLICY = confirm_policy()


WeekStart = Annotated[date, Path(description="The Monday (ISO date, YYYY-MM-DD) the week starts on")]


def _monday(week_start: date) -> date:
    """The week, or 422 naming `path.week_start` when it is not a Monday."""
    try:
        return checked_week(week_start)
    except RuleBroken as e:
        raise ApiProblem(422, "not_a_monday", f"path.week_start: {e.rule}", errors=[
            {"loc": ["path", "week_start"], "msg": e.rule, "type": "value_error"}]) from None


def _planned(agreement: KnownAgreement, week: date) -> list[dict[str, Any]]:
    """The visits the agreement plans in the week as delivery reads it (versions, suspensions, dates)."""
    out = []
    for day in (week + timedelta(days=i) for i in range(7)):
        in_force = agreement.terms_on(day)
        for visit in BOOK.planned_on(agreement.agreement_id, day):
            try:
                rate = in_force.terms.rate_on(day, visit.local_start) if in_force else None
            except LookupError:
                rate = None
            out.append({"visit_key": visit.key, "planned_start": visit.planned_start,
                        "planned_minutes": visit.planned_minutes, "carers_required": visit.carers_required,
                        "rate_pence_per_hour": rate})
    return out


async def _period_out(conn, agreement: KnownAgreement, week: date) -> dict[str, Any]:
    period = await store_periods.read_period(conn, agreement.agreement_id, week)
    confirmed = period is not None and period["confirmed_at"] is not None
    lines = [dict(r) for r in await store_periods.lines(conn, agreement.agreement_id, week)]
    # Confirmed: the adjustments paid with this week. Open: those waiting for the next confirmation.
    adjustments = [dict(r) for r in await store_periods.adjustments_of(conn, agreement.agreement_id,
                                                                        week if confirmed else None)]
    return {
        "agreement_id": agreement.agreement_id, "person_ref": agreement.person_ref,
        "provider_id": agreement.provider_id, "week_start": week,
        "status": "confirmed" if confirmed else "open",
        "confirmed_at": period["confirmed_at"] if confirmed else None,
        "confirmed_by": period["confirmed_by"] if confirmed else None,
        "auto_confirms_at": POLICY.cutoff(week),
        "visits": len(lines), "payable_minutes": sum(line["payable_minutes"] for line in lines),
        "amount_pence": sum(line["amount_pence"] for line in lines),
        "adjustments_pence": sum(a["amount_pence_delta"] for a in adjustments),
        "lines": lines, "adjustments": adjustments, "planned_visits": _planned(agreement, week),
    }


@router.get("/agreements/{agreement_id}/periods/{week_start}", summary="Verified actuals of one week",
            response_model=PeriodOut, responses={422: {"description": (
                "The request is invalid, or week_start is not a Monday (not_a_monday)")}})
async def get_period_actuals(agreement_id: PathId, week_start: WeekStart, request: Request,
                             principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))]) -> Any:
    """The week's verified lines, its adjustments and the visits the agreement plans in it; 404 for an
    agreement delivery does not know or the caller may not see (a provider sees only its own)."""
    agreement = await visible_agreement(request, principal, agreement_id)
    week = _monday(week_start)
    async with transaction(request) as conn:
        return await _period_out(conn, agreement, week)


@router.post("/agreements/{agreement_id}/periods/{week_start}/confirm", summary="Confirm one week's actuals",
             response_model=PeriodOut, responses={
                 409: {"description": "Already confirmed, or the week is not over"},
                 422: {"description": "The request is invalid, or week_start is not a Monday (not_a_monday)"}})
async def confirm_period_actuals(agreement_id: PathId, week_start: WeekStart, request: Request,
                                 principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))]) -> Any:
    """The provider of the agreement (or an officer) confirms a week once it is over; exactly once. The answer
    is the week as confirmed."""
    agreement = await visible_agreement(request, principal, agreement_id)
    week = _monday(week_start)
    if utcnow() < week_end(week):
        raise IllegalState(f"the week of {week.isoformat()} is not over until {week_end(week).isoformat()}",
                           code="week_not_over")
    by = "provider" if principal.role == "provider" else "officer"
    async with transaction(request) as conn:
        await confirm_period(conn, runtime_of(request).outbox, cause_of(request, principal), agreement_id=agreement_id,
                             person_ref=agreement.person_ref, provider_id=agreement.provider_id, week=week, by=by,
                             agreement=agreement)
        return await _period_out(conn, agreement, week)
