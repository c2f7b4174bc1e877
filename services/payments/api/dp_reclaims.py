"""HTTP: reclaims of direct payments (raised by a finance officer, approved by a finance approver who did not
raise them) and the council's debtors export of the debts among them."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BeforeValidator

from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import london_date, utcnow
from shared.errors import NotEntitled
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.logging import get_logger
from shared.pagination import PAGED, Page, page_params, paged
from services.payments.api.models import DebtOut, ReclaimIn, ReclaimOut
from services.payments.api.runs import FINANCE, REVIEWERS
from services.payments.domain.dp_reclaims import ReclaimMethod, ReclaimReason, debts_csv
from services.payments.metrics import DP_RECLAIMED_PENCE, TWO_PERSON_DECISIONS
from services.payments.steps import dp_reclaims as steps
from services.payments.steps.dp_returns import held_direct_payment
from services.payments.store import dp_reclaims as store

router = APIRouter(tags=["direct payments: reclaims and debts"])
log = get_logger(__name__)
ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def merged(*responses: dict) -> dict:
    """`responses=` dicts merged, status by status (the 200 of PAGED and of DEBTS_CSV are one)."""
    out: dict = {}
    for one in responses:
        for status_code, doc in one.items():
            out[status_code] = {**out.get(status_code, {}), **doc}
    return out


@router.post("/direct-payments/{agreement_id}/reclaims", status_code=202, response_model=ReclaimOut,
             summary="Raise a reclaim of a surplus or of money unspent at the end (a finance officer): pending "
                     "until a different finance approver approves it")
async def raise_direct_payment_reclaim(agreement_id: PathId, body: ReclaimIn, request: Request,
                        principal: Annotated[Principal, Depends(require("finance_officer"))]) -> ReclaimOut:
    async with transaction(request) as conn:
        try:
            reclaim = await steps.raise_(conn, agreement_id, ReclaimReason(body.reason), ReclaimMethod(body.method),
                                         body.amount_pence, body.return_id, principal, utcnow(),
                                         london_date(utcnow()))
        except LookupError:
            raise not_found(f"direct payment {agreement_id}") from None
    TWO_PERSON_DECISIONS.labels("dp_reclaim", "recorded").inc()
    log.info("direct payment reclaim raised, awaiting a second person", reclaim_id=reclaim.reclaim_id,
             agreement_id=agreement_id, reason=reclaim.reason.value, method=reclaim.method.value,
             amount_pence=reclaim.amount_pence, by=principal.subject)
    return ReclaimOut.of(reclaim)


@router.get("/direct-payments/{agreement_id}/reclaims", response_model=list[ReclaimOut], responses=PAGED,
            summary="A direct payment's reclaims, oldest first, and what each has netted, a page at a time (finance, "
                    "or the person)")
async def list_direct_payment_reclaims(
        agreement_id: PathId, request: Request, response: Response,
        principal: Annotated[Principal, Depends(require(*FINANCE, "person"))],
        page: Annotated[Page, Depends(page_params)]) -> list[ReclaimOut]:
    after = page.after_key((datetime, str))
    async with transaction(request) as conn:
        try:
            await held_direct_payment(conn, agreement_id, principal.may_see_person)
        except LookupError:
            raise not_found(f"direct payment {agreement_id}") from None
        reclaims = await store.listing(conn, agreement_id, after, page.fetch)
    reclaims = paged(request, response, reclaims, page, key=lambda rn: (rn[0].raised_at, rn[0].reclaim_id))
    return [ReclaimOut.of(r, netted) for r, netted in reclaims]


@router.post("/dp-reclaims/{reclaim_id}/approve", response_model=ReclaimOut,
             summary="Approve a reclaim (a finance approver who did not raise it): DirectPaymentReclaimRaised")
async def approve_direct_payment_reclaim(reclaim_id: PathId, request: Request,
                          principal: Annotated[Principal, Depends(require("finance_approver"))]) -> ReclaimOut:
    try:
        async with transaction(request) as conn:
            try:
                reclaim = await steps.approve(conn, reclaim_id, principal, utcnow(), london_date(utcnow()),
                                              runtime_of(request).outbox, cause_of(request, principal))
            except LookupError:
                raise not_found(f"reclaim {reclaim_id}") from None
    except NotEntitled as refused:
        if getattr(refused, "field", None) == "approved_by":
            TWO_PERSON_DECISIONS.labels("dp_reclaim", "self_approval").inc()
        raise
    TWO_PERSON_DECISIONS.labels("dp_reclaim", "approved").inc()
    DP_RECLAIMED_PENCE.labels(reclaim.reason.value, reclaim.method.value).inc(reclaim.amount_pence)
    log.info("direct payment reclaim approved", reclaim_id=reclaim_id, agreement_id=reclaim.agreement_id,
             amount_pence=reclaim.amount_pence, raised_by=reclaim.raised_by, approved_by=reclaim.approved_by)
    return ReclaimOut.of(reclaim)


def _debts_answer(rows, format: str, at: datetime):
    debts = [store.as_reclaim(r) for r in rows]
    if format == "csv":
        return Response(debts_csv(debts), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="debts-{at:%Y%m%dT%H%M%S}.csv"'})
    return [DebtOut(**ReclaimOut.of(d, exported_at=r["exported_at"]).model_dump()) for d, r in zip(debts, rows)]


def _iso(value: object) -> object:
    """Only an ISO 8601 date and time is a `since` (a bare number is not read as seconds since 1970)."""
    if isinstance(value, str) and not ISO_START.match(value):
        raise ValueError("an ISO 8601 date and time with its offset, e.g. 2026-04-01T09:00:00Z")
    return value


def _utc(since: datetime) -> datetime:
    """`since` in UTC; one that falls outside the datetimes UTC can hold is the first or last of them."""
    try:
        return since.astimezone(timezone.utc)
    except OverflowError:
        return (datetime.min if since.year == 1 else datetime.max).replace(tzinfo=timezone.utc)


DEBTS_CSV = {200: {"description": "The debts as JSON, or with format=csv as the debtors CSV",
                   "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get("/debts", response_model=list[DebtOut], responses=merged(PAGED, DEBTS_CSV),
            summary="Approved reclaims raised as debts, in the order they became debts, each with when it was first "
                    "exported (none yet: null), a page at a time; reading them exports nothing")
async def list_debts(
        request: Request, response: Response, principal: Annotated[Principal, Depends(require(*REVIEWERS))],
        page: Annotated[Page, Depends(page_params)],
        status: Annotated[Literal["all", "unexported"], Query(description="all, or only those never exported")]
        = "all",
        since: Annotated[AwareDatetime | None, BeforeValidator(_iso), Query(
            description="Only debts approved after this time (ISO 8601 with its offset, e.g. 2026-04-01T09:00:00Z)")]
        = None,
        format: Literal["json", "csv"] = "json"):
    after = page.after_key((datetime, str))
    async with transaction(request) as conn:
        rows = await store.debts(conn, status == "unexported", _utc(since) if since else None, lock=False,
                                 after=after, limit=page.fetch)
    rows = paged(request, response, rows, page, key=lambda r: (r["approved_at"], r["reclaim_id"]))
    answer = _debts_answer(rows, format, utcnow())
    if isinstance(answer, Response) and "Link" in response.headers:
        answer.headers["Link"] = response.headers["Link"]
    return answer


@router.post("/debts/exports", response_model=list[DebtOut], responses=DEBTS_CSV,
             summary="The debtors export: every debt not yet exported, marked exported now (CSV by default), so "
                     "the next export holds only new ones; GET /debts reads them again")
async def export_debts(request: Request, principal: Annotated[Principal, Depends(require(*REVIEWERS))],
                       format: Literal["json", "csv"] = "csv"):
    at = utcnow()
    async with transaction(request) as conn:
        rows = await store.debts(conn, True, None, lock=True)
        await store.mark_exported(conn, [r["reclaim_id"] for r in rows], at)
    log.info("debts exported", debts=len(rows), by=principal.subject)
    return _debts_answer([{**dict(r), "exported_at": at} for r in rows], format, at)
