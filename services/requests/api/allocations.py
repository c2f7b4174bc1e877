"""HTTP: allocating a person to a worker's caseload — the only way a social worker or brokerage
officer gets access to a person's requests (never by acting on the person).

- `PUT /people/{person_ref}/allocation`: a team manager allocates a social worker or a brokerage
  officer; a brokerage officer allocates brokerage officers only; nobody allocates to themselves
  (403 saying why). One current allocation per person and role: a new worker replaces the old
  (PersonDeallocated, then PersonAllocated); the worker already allocated changes nothing.
- `GET /people/{person_ref}/allocation`: the current allocations (ids only).
- `POST /people/{person_ref}/allocation/end`: ends the allocation of one role (PersonDeallocated);
  404 when there is none.
"""
from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Request

from shared.auth import Principal, require
from shared.http import cause_of, not_found, runtime_of, transaction
from services.requests.api.models import (AllocationEndIn, AllocationIn, AllocationOut, AllocationsOut,
                                          PersonRefPath as PersonRef)
from services.requests.domain.allocation import ALLOCATION_READERS, ALLOCATORS
from services.requests.steps import allocation
from services.requests.store import allocations

router = APIRouter(tags=["allocations"])
Allocator = Annotated[Principal, Depends(require(*sorted(ALLOCATORS)))]


def allocation_out(row: asyncpg.Record) -> AllocationOut:
    return AllocationOut(**{k: row[k] for k in AllocationOut.model_fields})


async def current_of(conn: asyncpg.Connection, person_ref: str) -> AllocationsOut:
    return AllocationsOut(person_ref=person_ref,
                          allocations=[allocation_out(r) for r in await allocations.current(conn, person_ref)])


@router.put("/people/{person_ref}/allocation", response_model=AllocationsOut,
            summary="Allocate a person to a social worker or brokerage officer")
async def allocate_person(person_ref: PersonRef, body: AllocationIn, request: Request,
                          principal: Allocator) -> AllocationsOut:
    """team_manager (either worker role) or brokerage_officer (brokerage officers only), never to
    themselves. Publishes PersonAllocated (and PersonDeallocated for a worker it replaces)."""
    reason = body.reason.strip() if body.reason and body.reason.strip() else None
    async with transaction(request) as conn:
        await allocation.allocate(conn, runtime_of(request).outbox, cause_of(request, principal, reason), principal,
                                  person_ref, body.worker_id, body.worker_role, reason)
        return await current_of(conn, person_ref)


@router.get("/people/{person_ref}/allocation", response_model=AllocationsOut,
            summary="Who a person is allocated to")
async def get_person_allocations(person_ref: PersonRef, request: Request,
                                 principal: Annotated[Principal, Depends(require(*sorted(ALLOCATION_READERS)))]
                                 ) -> AllocationsOut:
    """team_manager, brokerage_officer or social_worker: the current allocations, ids only (none: an empty list)."""
    async with transaction(request) as conn:
        return await current_of(conn, person_ref)


@router.post("/people/{person_ref}/allocation/end", response_model=AllocationsOut,
             summary="End a person's allocation of one worker role")
async def end_person_allocation(person_ref: PersonRef, body: AllocationEndIn, request: Request,
                                principal: Allocator) -> AllocationsOut:
    """Who may allocate that role may end it, with a reason. Publishes PersonDeallocated; 404 when
    the person has no current allocation of that role."""
    reason = body.reason.strip()
    async with transaction(request) as conn:
        ended = await allocation.end_allocation(conn, runtime_of(request).outbox,
                                                cause_of(request, principal, reason), principal, person_ref,
                                                body.worker_role, reason)
        if ended is None:
            raise not_found(f"a current {body.worker_role.value} allocation of person {person_ref}")
        return await current_of(conn, person_ref)
