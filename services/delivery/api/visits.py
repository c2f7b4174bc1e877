"""HTTP: rejected and unallocated records, and an officer's allocation or rejection of the latter."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.delivery.api.access import (OFFICERS, PROVIDER_OR_OFFICER, provider_scope, refreshed_book,
                                         unknown_provider)
from services.delivery.api.models import AllocateIn, RejectIn
from services.delivery.steps import allocation
from services.delivery.steps.ingest import pipeline_of
from services.delivery.store import records as store_records
from shared.auth import Principal, require
from shared.bounds import Filter
from shared.clock import london_local
from shared.errors import RuleBroken
from shared.http import MAX_OFFSET, cause_of, not_found, runtime_of, transaction

router = APIRouter(tags=["visits"])


def _out(row) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in dict(row).items()}


async def _list(request: Request, principal: Principal, outcome: str, provider_id: str | None,
                intake_id: str | None, open_only: bool, limit: int, offset: int) -> dict[str, Any]:
    """`provider_id` (PRV-…) narrows the list to one provider: 403 for a provider token naming another,
    404 (saying where provider_ids are found) when delivery knows no such provider."""
    scope = provider_scope(principal, provider_id)
    if provider_id is not None and not (await refreshed_book(request)).knows_provider(provider_id):
        raise unknown_provider(provider_id)
    provider_id = scope
    async with transaction(request) as conn:
        rows = await store_records.list_records(conn, outcome, provider_id=provider_id, intake_id=intake_id,
                                                open_only=open_only, limit=limit, offset=offset)
    return {"items": [_out(r) for r in rows], "limit": limit, "offset": offset}


UNKNOWN_FILTER = {404: {"description": "provider_id names no provider delivery knows"}}


@router.get("/visits/rejected", summary="Rejected records, newest first, with reason, field and location",
            responses=UNKNOWN_FILTER)
async def rejected(request: Request, principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))],
                   provider_id: Filter | None = None, intake_id: Filter | None = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    return await _list(request, principal, "rejected", provider_id, intake_id, False, limit, offset)


@router.get("/visits/unallocated", summary="Unallocated records (open ones unless status=all), newest first",
            responses=UNKNOWN_FILTER)
async def unallocated(request: Request, principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))],
                      provider_id: Filter | None = None, intake_id: Filter | None = None,
                      status: Literal["open", "all"] = "open",
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                      offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    return await _list(request, principal, "unallocated", provider_id, intake_id, status == "open", limit, offset)


@router.post("/visits/unallocated/{record_id}/allocate", summary="Allocate an unallocated record to a planned visit",
             responses={404: {"description": "No such unallocated record"}, 409: {"description": "Already decided"},
                        422: {"description": "The agreement plans no such visit, or is another provider's"}})
async def allocate(record_id: str, body: AllocateIn, request: Request,
                   principal: Annotated[Principal, Depends(require(*OFFICERS))]) -> dict[str, Any]:
    book = await refreshed_book(request)
    agreement = book.agreements.get(body.agreement_id)
    if agreement is None:
        raise RuleBroken("agreement_id", f"agreement {body.agreement_id} is not known to delivery")
    start = body.planned_start if body.planned_start.tzinfo else london_local(body.planned_start)
    pipeline = pipeline_of(runtime_of(request).outbox)
    visit = allocation.planned_visit_at(pipeline, agreement, start)
    async with transaction(request) as conn:
        row = await store_records.open_unallocated(conn, record_id)
        if row is None:
            raise not_found(f"unallocated record {record_id}")
        changes = await allocation.allocate(conn, pipeline, cause_of(request, principal, body.reason), row,
                                            agreement, visit, body.reason)
    return {"record_id": record_id, "outcome": "allocated", "visit_key": visit.key,
            "verified": [{"carer_id": c.after.carer_id, "revision": c.revision,
                          "payable_minutes": c.after.payable_minutes, "amount_pence": c.after.amount_pence,
                          "flags": [f.code.value for f in c.after.flags]}
                         for c in changes]}


@router.post("/visits/unallocated/{record_id}/reject", summary="Reject an unallocated record: it is never paid",
             responses={404: {"description": "No such unallocated record"}, 409: {"description": "Already decided"}})
async def reject(record_id: str, body: RejectIn, request: Request,
                 principal: Annotated[Principal, Depends(require(*OFFICERS))]) -> dict[str, Any]:
    async with transaction(request) as conn:
        row = await store_records.open_unallocated(conn, record_id)
        if row is None:
            raise not_found(f"unallocated record {record_id}")
        await allocation.reject(conn, pipeline_of(runtime_of(request).outbox),
                                cause_of(request, principal, body.reason), row, body.reason)
    return {"record_id": record_id, "outcome": "rejected", "reason": body.reason}
