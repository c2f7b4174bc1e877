"""Who may allocate a person to a worker, and whom a worker's role lets them reach.

Access to a person comes from an allocation — a caseload assigned by a team manager or a brokerage
officer — never from acting on the person (submitting a request for them grants nothing).
- A team manager allocates social workers and brokerage officers; a brokerage officer allocates
  brokerage officers only (the brokerage team shares out its own work). Nobody allocates to
  themselves: that would be granting themselves access.
- A social worker or brokerage officer reaches (reads, submits for, acts on) only the people
  currently allocated to them in that role; a person only themselves.
"""
from __future__ import annotations

from enum import Enum

from shared.errors import NotEntitled
from services.requests.domain.errors import InvalidInput


class WorkerRole(str, Enum):
    SOCIAL_WORKER = "social_worker"
    BROKERAGE_OFFICER = "brokerage_officer"


# Who may allocate (and end an allocation) to workers of which roles.
ALLOCATORS: dict[str, frozenset[WorkerRole]] = {
    "team_manager": frozenset(WorkerRole),
    "brokerage_officer": frozenset({WorkerRole.BROKERAGE_OFFICER}),
}
# Who may read a person's current allocations (ids only).
ALLOCATION_READERS = frozenset({"team_manager", "brokerage_officer", "social_worker"})
# Roles whose reach is the people allocated to them.
ALLOCATED_ROLES = frozenset(r.value for r in WorkerRole)


class NotPermitted(NotEntitled):
    """The caller's role or identity may not do this (HTTP 403); the message says why."""


def check_allocator(allocator_role: str, worker_role: WorkerRole) -> None:
    """Refuse an allocator who may not allocate (or end the allocation of) workers of `worker_role`."""
    allowed = ALLOCATORS.get(allocator_role, frozenset())
    if worker_role not in allowed:
        may = ", ".join(sorted(r.value for r in allowed)) or "nobody"
        raise NotPermitted(f"a {allocator_role} may not allocate a {worker_role.value}; may allocate: {may}")


def check_allocation(allocator_role: str, allocator_id: str, worker_id: str, worker_role: WorkerRole) -> None:
    """Refuse an allocation the allocator may not make: the wrong role, no worker, or themselves."""
    check_allocator(allocator_role, worker_role)
    if not worker_id or not worker_id.strip():
        raise InvalidInput("worker_id", "the worker's user id is required")
    if worker_id == allocator_id:
        raise NotPermitted("nobody may allocate a person to themselves: ask a team manager")


def reach(role: str) -> str:
    """How far a role reaches into people's requests: 'own' (a person: themselves), 'allocated'
    (a social worker or brokerage officer: their allocated people), or 'none'."""
    if role == "person":
        return "own"
    if role in ALLOCATED_ROLES:
        return "allocated"
    return "none"


def may_reach(role: str, own_person_ref: str | None, person_ref: str, allocated: bool) -> bool:
    """Whether a caller of `role` may read or act on `person_ref`'s requests, given whether the person
    is currently allocated to them in that role."""
    kind = reach(role)
    if kind == "own":
        return own_person_ref is not None and own_person_ref == person_ref
    return kind == "allocated" and allocated
