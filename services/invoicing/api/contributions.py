"""Contributions charged: a finance officer charges a period (or one person's), and exports what changed
to the council's debtors system; finance reads every charge, a person only their own.

Answers: 422 naming the field (period_start: not a four-weekly start, not over, after the person's death
with nothing charged for it (one charged is computed again, down to nothing), or no care in it; person_ref: no contribution on record; charges: nothing to export); 404 for a charge
or export the caller may not see; 403 for another role or another person's charges; 409 while a run
is under way.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from shared.auth import Principal, forbid_unless, require
from shared.bounds import Reference
from shared.clock import london_date, utcnow
from shared.http import MAX_OFFSET, cause_of, not_found, runtime_of, transaction
from services.invoicing.api.invoices import actor_of
from services.invoicing.api.models import (ContributionChargeIn, ContributionChargeOut, ContributionExportOut,
                                           ContributionRunIn, ContributionRunOut, charge_out)
from services.invoicing.steps import contributions as steps
from services.invoicing.store import contribution_exports as store_exports
from services.invoicing.store import contributions as store

router = APIRouter(tags=["contributions"])
FINANCE = ("finance_officer", "finance_approver", "ops")  # who reads charges and exports
Officer = Annotated[Principal, Depends(require("finance_officer"))]
Reader = Annotated[Principal, Depends(require(*FINANCE, "person"))]
Finance = Annotated[Principal, Depends(require(*FINANCE))]


@router.post("/contribution-charges/runs", response_model=ContributionRunOut,
             summary="Charge every person's contribution for a four-weekly period that is over")
async def run(body: ContributionRunIn, request: Request, principal: Officer) -> ContributionRunOut:
    """Each person's charge computed again; a changed charge is a new revision (ContributionCharged)."""
    period = steps.chargeable_period(body.period_start, london_date(utcnow()))
    runtime = runtime_of(request)
    if runtime.pool is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready")
    why = f"contributions charged for {period}"
    try:
        done = await steps.charge_period(runtime.pool, runtime.outbox, cause_of(request, principal, why),
                                         actor_of(principal, why), period)
    except steps.RunInProgress as busy:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(busy)) from None
    return ContributionRunOut(**vars(done))


@router.post("/contribution-charges", response_model=ContributionChargeOut,
             summary="Charge one person's contribution for a four-weekly period that is over")
async def charge(body: ContributionChargeIn, request: Request, principal: Officer) -> ContributionChargeOut:
    """The charge as it now stands: a new revision only when it changed."""
    why = f"contribution charged for the period from {body.period_start}"
    async with transaction(request) as conn:
        done = await steps.charge_one(conn, runtime_of(request).outbox, cause_of(request, principal, why),
                                      actor_of(principal, why), body.person_ref, body.period_start,
                                      london_date(utcnow()))
    return charge_out(done)


@router.get("/contribution-charges", response_model=list[ContributionChargeOut],
            summary="Contribution charges (every revision), newest period first")
async def list_charges(request: Request, principal: Reader, person_ref: Reference | None = None,
                       period_start: date | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                       offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[ContributionChargeOut]:
    """A person's token lists their own (asking for another person's is refused)."""
    if principal.role == "person":
        forbid_unless(person_ref in (None, principal.person_ref), "a person sees only their own charges")
        person_ref = principal.person_ref
    async with transaction(request) as conn:
        rows = await store.list_charges(conn, person_ref, period_start, limit, offset)
    return [charge_out(r) for r in rows]


@router.get("/contribution-charges/{charge_id}", response_model=ContributionChargeOut,
            summary="One revision of a contribution charge")
async def get_charge(charge_id: str, request: Request, principal: Reader) -> ContributionChargeOut:
    async with transaction(request) as conn:
        row = await store.charge(conn, charge_id)
    if row is None or not (principal.role in FINANCE or principal.may_see_person(row["person_ref"])):
        raise not_found(f"contribution charge {charge_id}")
    return charge_out(row)


@router.post("/contribution-charges/exports", response_model=ContributionExportOut,
             status_code=status.HTTP_201_CREATED, summary="Export every charge revision not yet exported")
async def export(request: Request, principal: Officer) -> ContributionExportOut:
    async with transaction(request) as conn:
        done = await steps.export_charges(conn, actor_of(principal, "debtors export"), london_date(utcnow()))
    return ContributionExportOut(**done)


async def _file(request: Request, export_id: str, which: str) -> Response:
    async with transaction(request) as conn:
        content = await store_exports.export_file(conn, export_id, which)
    if content is None:
        raise not_found(f"contributions export {export_id}")
    return Response(bytes(content), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{export_id}-{which}.csv"'})


@router.get("/contribution-charges/exports/{export_id}/debtors.csv", response_class=Response,
            summary="The debtors file of an export (as first written)")
async def debtors(export_id: str, request: Request, principal: Finance) -> Response:
    """person_ref, period_start, period_end, amount_pence (the revision's change), reason, charge_id."""
    return await _file(request, export_id, "debtors")


@router.get("/contribution-charges/exports/{export_id}/journal.csv", response_class=Response,
            summary="The general-ledger journal of an export (as first written)")
async def journal(export_id: str, request: Request, principal: Finance) -> Response:
    """Debtors control debited, client-contribution income credited, each for the export's total."""
    return await _file(request, export_id, "journal")
