"""Contributions charged: a finance officer charges a period (or one person's), and exports what changed
to the council's debtors system; finance reads every charge, a person only their own.

Answers: 422 naming period_start when it starts no four-weekly period; 409 (problem+json, its `code`, and
`errors` naming the field) when the state of things refuses the charge: the period is not over yet
(period_not_over), it is after the person's death with nothing charged for it (died_before_period: one charged
is computed again, down to nothing) or holds no care to charge (nothing_to_charge), each naming period_start, or
the person has no contribution on record (no_contribution_on_record, naming person_ref); 409 too while a run is
under way (run_in_progress) and when there is nothing to export (nothing_to_export); 404 for a charge or export
the caller may not see; 403 for another role or another person's charges. Lists are cursor pages.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from shared.auth import Principal, forbid_unless, require
from shared.bounds import PathId, Reference
from shared.clock import london_date, utcnow
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.openapi import problem_responses
from shared.pagination import PAGED, Page, page_params, paged
from shared.problems import ApiProblem
from services.invoicing.api.invoices import actor_of
from services.invoicing.api.models import (ContributionChargeIn, ContributionChargeOut, ContributionExportOut,
                                           ContributionRunIn, ContributionRunOut, QueryDate, charge_out)
from services.invoicing.domain.contribution_files import DEBTORS_COLUMNS, JOURNAL_COLUMNS
from services.invoicing.steps import contributions as steps
from services.invoicing.store import contribution_exports as store_exports
from services.invoicing.store import contributions as store

router = APIRouter(tags=["contributions"])
FINANCE = ("finance_officer", "finance_approver", "ops")  # who reads charges and exports
Officer = Annotated[Principal, Depends(require("finance_officer"))]
Reader = Annotated[Principal, Depends(require(*FINANCE, "person"))]
Finance = Annotated[Principal, Depends(require(*FINANCE))]
CSV = "text/csv"


@router.post("/contribution-charges/runs", response_model=ContributionRunOut, responses={409: {"description": (
                 "The period is not over yet (period_not_over, naming body.period_start), or another run is under "
                 "way (run_in_progress)")}},
             summary="Charge every person's contribution for a four-weekly period that is over")
async def charge_contribution_period(body: ContributionRunIn, request: Request,
                                     principal: Officer) -> ContributionRunOut:
    """Each person's charge computed again; a changed charge is a new revision (ContributionCharged). 422 naming
    period_start when it does not start a four-weekly period; 409 when the period is not over (period_not_over)
    or while another run is under way (run_in_progress)."""
    period = steps.chargeable_period(body.period_start, london_date(utcnow()))
    runtime = runtime_of(request)
    if runtime.pool is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready")
    why = f"contributions charged for {period}"
    try:
        done = await steps.charge_period(runtime.pool, runtime.outbox, cause_of(request, principal, why),
                                         actor_of(principal, why), period)
    except steps.RunInProgress as busy:
        raise ApiProblem(status.HTTP_409_CONFLICT, "run_in_progress", str(busy)) from None
    return ContributionRunOut(**vars(done))


@router.post("/contribution-charges", response_model=ContributionChargeOut, responses={409: {"description": (
                 "Nothing to charge as things stand, `code` says why and `errors` names the field: the period is "
                 "not over yet (period_not_over), it is after the person's death with nothing charged for it "
                 "(died_before_period) or holds no council-arranged care or ISF (nothing_to_charge), each naming "
                 "body.period_start; or the person has no contribution on record (no_contribution_on_record, "
                 "naming body.person_ref)")}},
             summary="Charge one person's contribution for a four-weekly period that is over")
async def charge_person_contribution(body: ContributionChargeIn, request: Request,
                                     principal: Officer) -> ContributionChargeOut:
    """The charge as it now stands: a new revision only when it changed. 422 naming period_start when it starts
    no four-weekly period; 409 naming the field when the state of things leaves nothing to charge (the route's
    409 says which)."""
    why = f"contribution charged for the period from {body.period_start}"
    async with transaction(request) as conn:
        done = await steps.charge_one(conn, runtime_of(request).outbox, cause_of(request, principal, why),
                                      actor_of(principal, why), body.person_ref, body.period_start,
                                      london_date(utcnow()))
    return charge_out(done)


@router.get("/contribution-charges", response_model=list[ContributionChargeOut], responses=PAGED,
            summary="Contribution charges (every revision), newest period first")
async def list_contribution_charges(
        request: Request, response: Response, principal: Reader, page: Annotated[Page, Depends(page_params)],
        person_ref: Annotated[Reference | None, Query(description="The person's charges only.")] = None,
        period_start: Annotated[QueryDate | None, Query(description="The charges of the four-weekly period "
                                                                    "starting this day only.")] = None,
) -> list[ContributionChargeOut]:
    """Newest period first, then newest revision first, a page at a time: follow the `Link: rel="next"` header.
    A person's token lists their own (asking for another person's is refused, 403)."""
    if principal.role == "person":
        forbid_unless(person_ref in (None, principal.person_ref), "a person sees only their own charges")
        person_ref = principal.person_ref
    async with transaction(request) as conn:
        rows = await store.list_charges(conn, person_ref, period_start, after=page.after_key((date, str)),
                                        fetch=page.fetch)
    return [charge_out(r) for r in paged(request, response, rows, page,
                                         key=lambda r: (r["period_start"], r["charge_id"]))]


@router.get("/contribution-charges/{charge_id}", response_model=ContributionChargeOut,
            summary="One revision of a contribution charge")
async def get_contribution_charge(charge_id: PathId, request: Request, principal: Reader) -> ContributionChargeOut:
    """A person's token: their own only (another's is not found)."""
    async with transaction(request) as conn:
        row = await store.charge(conn, charge_id)
    if row is None or not (principal.role in FINANCE or principal.may_see_person(row["person_ref"])):
        raise not_found(f"contribution charge {charge_id}")
    return charge_out(row)


@router.post("/contribution-charges/exports", response_model=ContributionExportOut,
             status_code=status.HTTP_201_CREATED, responses=problem_responses(409),
             summary="Export every charge revision not yet exported")
async def export_contribution_charges(request: Request, principal: Officer) -> ContributionExportOut:
    """Every revision not yet exported that changes what is owed, in one debtors file and its journal (read them
    at `/contribution-charges/exports/{export_id}/debtors.csv` and `journal.csv`). 409 nothing_to_export when
    there is none."""
    async with transaction(request) as conn:
        done = await steps.export_charges(conn, actor_of(principal, "debtors export"), london_date(utcnow()))
    return ContributionExportOut(**done)


async def _file(request: Request, export_id: str, which: str) -> Response:
    async with transaction(request) as conn:
        content = await store_exports.export_file(conn, export_id, which)
    if content is None:
        raise not_found(f"contributions export {export_id}")
    return Response(bytes(content), media_type=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{export_id}-{which}.csv"'})


def _csv_file(which: str, columns: Sequence[str]) -> dict:
    """`responses=` of a download: `text/csv` (UTF-8, CRLF, header row `columns`), saved as <export_id>-<which>.csv."""
    header = ",".join(columns)
    return {200: {"description": f"The {which} file: CSV (UTF-8, CRLF line ends), header row {header}.",
                  "content": {CSV: {"schema": {"type": "string", "description": f"CSV with header row {header}"}}},
                  "headers": {"Content-Disposition": {
                      "description": f'attachment; filename="<export_id>-{which}.csv"', "schema": {"type": "string"}}}}}


@router.get("/contribution-charges/exports/{export_id}/debtors.csv", response_class=Response,
            responses=_csv_file("debtors", DEBTORS_COLUMNS), summary="Download the debtors file of an export")
async def download_debtors_file(export_id: PathId, request: Request, principal: Finance) -> Response:
    """One row per revision exported: person_ref, period_start, period_end, amount_pence (the revision's change),
    reason, charge_id; the same bytes on every download (as first written)."""
    return await _file(request, export_id, "debtors")


@router.get("/contribution-charges/exports/{export_id}/journal.csv", response_class=Response,
            responses=_csv_file("journal", JOURNAL_COLUMNS), summary="Download the general-ledger journal of an export")
async def download_journal_file(export_id: PathId, request: Request, principal: Finance) -> Response:
    """Debtors control debited, client-contribution income credited, each for the export's total; the same bytes
    on every download (as first written)."""
    return await _file(request, export_id, "journal")
