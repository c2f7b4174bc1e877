"""Allocating a person to a worker, and ending an allocation, in the caller's transaction: the
allocation rows and a PersonAllocated / PersonDeallocated event per change, through the outbox."""
from __future__ import annotations

import asyncpg

from contracts.requests import PersonAllocated, PersonDeallocated
from shared.auth import Principal
from shared.events import Cause
from shared.outbox import Outbox
from services.requests.domain.allocation import WorkerRole, check_allocation, check_allocator, may_reach, reach
from services.requests.store import allocations


def _event(kind: type[PersonAllocated] | type[PersonDeallocated], row: asyncpg.Record):
    return kind(person_ref=row["person_ref"], allocation_id=row["allocation_id"], worker_id=row["worker_id"],
                worker_role=row["worker_role"])


async def allocate(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal, person_ref: str,
                   worker_id: str, worker_role: WorkerRole, reason: str | None) -> asyncpg.Record:
    """Allocate `person_ref` to `worker_id` in `worker_role` (NotPermitted / InvalidInput propagate).

    The person's current allocation of that role, to someone else, ends first (PersonDeallocated);
    allocating to the worker already allocated changes nothing and publishes nothing."""
    check_allocation(principal.role, principal.subject, worker_id, worker_role)
    await allocations.lock_person(conn, person_ref)
    events = []
    for held in await allocations.current(conn, person_ref, worker_role.value):
        if held["worker_id"] == worker_id:
            return held
        await allocations.end(conn, held["allocation_id"], principal.subject, reason)
        events.append(_event(PersonDeallocated, held))
    row = await allocations.insert(conn, person_ref, worker_id, worker_role.value, principal.subject,
                                   principal.role, reason)
    events.append(_event(PersonAllocated, row))
    await outbox.publish(conn, events, cause)
    return row


async def end_allocation(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal,
                         person_ref: str, worker_role: WorkerRole, reason: str | None) -> asyncpg.Record | None:
    """End the person's current allocation of `worker_role`; None when there is none."""
    await allocations.lock_person(conn, person_ref)
    check_allocator(principal.role, worker_role)
    [held] = await allocations.current(conn, person_ref, worker_role.value) or [None]
    if held is None:
        return None
    await allocations.end(conn, held["allocation_id"], principal.subject, reason)
    await outbox.publish(conn, [_event(PersonDeallocated, held)], cause)
    return held


async def reaches(conn: asyncpg.Connection, principal: Principal, person_ref: str) -> bool:
    """Whether `principal` may read or act on `person_ref`'s requests: a person themselves; a social
    worker or brokerage officer a person currently allocated to them in that role; nobody else."""
    allocated = (reach(principal.role) == "allocated"
                 and await allocations.is_allocated(conn, person_ref, principal.subject, principal.role))
    return may_reach(principal.role, principal.person_ref, person_ref, allocated)
