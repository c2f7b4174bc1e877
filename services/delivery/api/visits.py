"""HTTP: rejected and unallocated records, and an officer's allocation or rejection of the latter.

Both lists page newest first with the one cursor pagination (shared.pagination: `limit`, `after`, a
`Link: <…>; rel="next"` header); the body is a JSON array of records."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from services.delivery.api.access import (OFFICERS, PROVIDER_OR_OFFICER, provider_scope, refreshed_book,
                                         unknown_provider)
from services.delivery.api.models import (AllocateIn, AllocationOut, ReceivedRecord, RejectedRecord, RejectIn,
                                         RejectionOut)
from services.delivery.steps import allocation
from services.delivery.steps.ingest import pipeline_of
from services.delivery.store import records as store_records
from shared.auth import Principal, require
from shared.bounds import Filter, PathId
from shared.clock import london_local
from shared.problems import ApiProblem
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged

router = APIRouter(tags=["visits"])

ProviderFilter = Annotated[Filter | None, Query(description="Only this provider's records (its provider_id, PRV-…); "
                                                            "a provider token sees only its own")]
LISTED = {**PAGED, 404: {"description": "provider_id names no provider delivery knows (the detail says where "
                                        "provider_ids are found)"}}
IntakeFilter = Annotated[Filter | None, Query(description="Only the records of this batch or file (the `intake_id` "
                                                          "of its report)")]


async def _list(request: Request, response: Response, principal: Principal, outcome: str, provider_id: str | None,
                intake_id: str | None, open_only: bool, page: Page) -> list[dict[str, Any]]:
    """`provider_id` (PRV-…) narrows the list to one provider: 403 for a provider token naming another,
    404 (saying where provider_ids are found) when delivery knows no such provider."""
    after = page.after_key((datetime, str))
    scope = provider_scope(principal, provider_id)
    if provider_id is not None and not (await refreshed_book(request)).knows_provider(provider_id):
        raise unknown_provider(provider_id)
    async with transaction(request) as conn:
        rows = await store_records.list_records(conn, outcome, provider_id=scope, intake_id=intake_id,
                                                open_only=open_only, after=after, limit=page.fetch)
    return paged(request, response, [dict(r) for r in rows], page,
                 key=lambda r: (r["received_at"], r["record_id"]))


@router.get("/visits/rejected", summary="Rejected records, newest first, with reason, field and location",
            response_model=list[RejectedRecord], responses=LISTED)
async def list_rejected_visits(request: Request, response: Response,
                               principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))],
                               page: Annotated[Page, Depends(page_params)],
                               provider_id: ProviderFilter = None, intake_id: IntakeFilter = None) -> Any:
    """Every record rejected, from every feed, with what was received."""
    return await _list(request, response, principal, "rejected", provider_id, intake_id, False, page)


@router.get("/visits/unallocated", summary="Unallocated records (open ones unless status=all), newest first",
            response_model=list[ReceivedRecord], responses=LISTED)
async def list_unallocated_visits(request: Request, response: Response,
                                  principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))],
                                  page: Annotated[Page, Depends(page_params)],
                                  provider_id: ProviderFilter = None, intake_id: IntakeFilter = None,
                                  status: Annotated[Literal["open", "all"], Query(
                                      description="open: those no one has decided yet; all: with the decided "
                                                  "(allocated, rejected, superseded) too")] = "open") -> Any:
    """Records that match no planned visit, held for an officer to allocate or reject."""
    return await _list(request, response, principal, "unallocated", provider_id, intake_id, status == "open", page)


@router.post("/visits/unallocated/{record_id}/allocate", summary="Allocate an unallocated record to a planned visit",
             response_model=AllocationOut, responses={
                 404: {"description": "No such unallocated record, or no such agreement (agreement_not_found)"},
                 409: {"description": "The record was already allocated, rejected or superseded; or the agreement is "
                                      "another provider's, plans no visit at planned_start or has no hourly rate for "
                                      "it (another_providers_agreement, no_planned_visit, no_hourly_rate)"}})
async def allocate_unallocated_visit(record_id: PathId, body: AllocateIn, request: Request,
                                     principal: Annotated[Principal, Depends(require(*OFFICERS))]) -> Any:
    """The record is verified at the agreement's planned visit starting at `planned_start`, as if it had
    matched it; it leaves the backlog."""
    pipeline = pipeline_of(runtime_of(request).outbox)
    book = await refreshed_book(request)
    async with transaction(request) as conn:
        row = await store_records.open_unallocated(conn, record_id)
        if row is None:
            raise not_found(f"unallocated record {record_id}")
        agreement = book.agreements.get(body.agreement_id)
        if agreement is None:
            raise ApiProblem(404, "agreement_not_found", f"body.agreement_id: agreement {body.agreement_id} is not "
                             "known to delivery", errors=[{"loc": ["body", "agreement_id"], "type": "agreement_not_found",
                                                           "msg": f"agreement {body.agreement_id} is not known to delivery"}])
        start = body.planned_start if body.planned_start.tzinfo else london_local(body.planned_start)
        visit = allocation.planned_visit_at(pipeline, agreement, start)
        changes = await allocation.allocate(conn, pipeline, cause_of(request, principal, body.reason), row,
                                            agreement, visit, body.reason)
    return {"record_id": record_id, "outcome": "allocated", "visit_key": visit.key,
            "verified": [{"carer_id": c.after.carer_id, "revision": c.revision,
                          "payable_minutes": c.after.payable_minutes, "amount_pence": c.after.amount_pence,
                          "flags": [f.code.value for f in c.after.flags]}
                         for c in changes]}


@router.post("/visits/unallocated/{record_id}/reject", summary="Reject an unallocated record: it is never paid",
             response_model=RejectionOut, responses={
                 404: {"description": "No such unallocated record"},
                 409: {"description": "The record was already allocated, rejected or superseded"}})
async def reject_unallocated_visit(record_id: PathId, body: RejectIn, request: Request,
                                   principal: Annotated[Principal, Depends(require(*OFFICERS))]) -> Any:
    async with transaction(request) as conn:
        row = await store_records.open_unallocated(conn, record_id)
        if row is None:
            raise not_found(f"unallocated record {record_id}")
        await allocation.reject(conn, pipeline_of(runtime_of(request).outbox),
                                cause_of(request, principal, body.reason), row, body.reason)
    return {"record_id": record_id, "outcome": "rejected", "reason": body.reason}
