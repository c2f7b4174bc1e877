"""Access to a person comes from an allocation — a caseload a team manager or a brokerage officer
assigns — never from acting on the person. Against Postgres alone (a fresh copy of the requests
schema), through the steps and SQL the API runs."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.envelope import Actor
from shared.auth import Principal
from shared.events import Cause
from shared.testing import DatabaseOnly
from services.requests.domain.allocation import NotPermitted, WorkerRole
from services.requests.domain.request import RequestedBy, ServiceRequest
from services.requests.steps import allocation, lifecycle, submission
from services.requests.store import requests as store
from tests.conftest import unique

pytestmark = pytest.mark.db
CAUSE = Cause("test-allocation", None, Actor(id="test:allocation", role="system"))
MANAGER = Principal(subject="u-manager", role="team_manager")
WORKER = Principal(subject="u-sw-1", role="social_worker")
OTHER_WORKER = Principal(subject="u-sw-2", role="social_worker")
BROKER = Principal(subject="u-bo-1", role="brokerage_officer")


@pytest.fixture
async def db():
    async with DatabaseOnly("requests") as db:
        yield db


async def _submit(db: DatabaseOnly, person_ref: str, by: Principal) -> str:
    submitted = ServiceRequest.submit(person_ref, RequestedBy.SOCIAL_WORKER, date(2026, 12, 1), ("help at home",))
    async with db.pool.acquire() as conn, conn.transaction():
        await submission.submit_request(conn, db.outbox, CAUSE, submitted, None, by.subject, by.role)
    return submitted.request_id


async def _allocate(db: DatabaseOnly, by: Principal, person_ref: str, worker: Principal):
    async with db.pool.acquire() as conn, conn.transaction():
        return await allocation.allocate(conn, db.outbox, CAUSE, by, person_ref, worker.subject,
                                         WorkerRole(worker.role), "caseload")


async def _reaches(db: DatabaseOnly, principal: Principal, person_ref: str) -> bool:
    async with db.pool.acquire() as conn:
        return await allocation.reaches(conn, principal, person_ref)


async def _listed(db: DatabaseOnly, principal: Principal) -> set[str]:
    async with db.pool.acquire() as conn:
        found = await store.list_requests(conn, None, None, 100, allocated_to=(principal.subject, principal.role))
    return {r["request_id"] for r in found}


async def test_submitting_a_request_for_a_person_grants_the_submitter_nothing(db):
    person = unique("P-ALLOC")
    request_id = await _submit(db, person, WORKER)
    assert not await _reaches(db, WORKER, person)
    assert request_id not in await _listed(db, WORKER)
    assert await db.fetch("SELECT * FROM person_allocations") == []
    assert await db.published("PersonAllocated") == []


async def test_a_team_managers_allocation_gives_the_worker_the_person_and_is_published_with_ids_only(db):
    person = unique("P-ALLOC")
    request_id = await _submit(db, person, WORKER)
    row = await _allocate(db, MANAGER, person, WORKER)
    assert await _reaches(db, WORKER, person)
    assert await _listed(db, WORKER) == {request_id}
    assert not await _reaches(db, OTHER_WORKER, person) and await _listed(db, OTHER_WORKER) == set()
    # In the role it was allocated in only: the same subject as a brokerage officer reaches nothing.
    assert not await _reaches(db, Principal(subject=WORKER.subject, role="brokerage_officer"), person)
    [event] = await db.published("PersonAllocated")
    assert event.aggregate_id == person
    assert event.payload == {"person_ref": person, "allocation_id": row["allocation_id"],
                             "worker_id": WORKER.subject, "worker_role": "social_worker"}


async def test_allocating_another_worker_ends_the_first_workers_access(db):
    person = unique("P-ALLOC")
    first = await _allocate(db, MANAGER, person, WORKER)
    await _allocate(db, MANAGER, person, OTHER_WORKER)
    assert not await _reaches(db, WORKER, person)
    assert await _reaches(db, OTHER_WORKER, person)
    events = await db.published("PersonAllocated", "PersonDeallocated")
    assert [(e.event_type, e.payload["worker_id"]) for e in events] == [
        ("PersonAllocated", WORKER.subject), ("PersonDeallocated", WORKER.subject),
        ("PersonAllocated", OTHER_WORKER.subject)]
    assert events[1].payload["allocation_id"] == first["allocation_id"]
    # The worker already allocated again: nothing changes, nothing is published.
    await _allocate(db, MANAGER, person, OTHER_WORKER)
    assert len(await db.published("PersonAllocated", "PersonDeallocated")) == 3


async def test_ending_an_allocation_ends_the_access_and_is_published(db):
    person = unique("P-ALLOC")
    await _allocate(db, MANAGER, person, WORKER)
    async with db.pool.acquire() as conn, conn.transaction():
        ended = await allocation.end_allocation(conn, db.outbox, CAUSE, MANAGER, person, WorkerRole.SOCIAL_WORKER,
                                                "moved team")
        assert await allocation.end_allocation(conn, db.outbox, CAUSE, MANAGER, person, WorkerRole.SOCIAL_WORKER,
                                               "again") is None
    assert ended["worker_id"] == WORKER.subject
    assert not await _reaches(db, WORKER, person)
    [event] = await db.published("PersonDeallocated")
    assert event.payload["worker_id"] == WORKER.subject


@pytest.mark.parametrize(("by", "worker"), [
    (BROKER, WORKER),  # a brokerage officer allocates brokerage officers only
    (BROKER, BROKER),  # nobody allocates a person to themselves
    (WORKER, OTHER_WORKER),  # a social worker allocates nobody
], ids=["broker-allocates-social-worker", "broker-allocates-self", "social-worker-allocates"])
async def test_an_allocation_the_allocator_may_not_make_is_refused_and_writes_nothing(db, by, worker):
    person = unique("P-ALLOC")
    with pytest.raises(NotPermitted):
        await _allocate(db, by, person, worker)
    assert not await _reaches(db, worker, person)
    assert await db.fetch("SELECT * FROM person_allocations") == []
    assert await db.published() == []


async def test_a_brokerage_officer_may_allocate_another_brokerage_officer(db):
    person = unique("P-ALLOC")
    await _allocate(db, BROKER, person, Principal(subject="u-bo-2", role="brokerage_officer"))
    assert await _reaches(db, Principal(subject="u-bo-2", role="brokerage_officer"), person)
    assert not await _reaches(db, BROKER, person)


async def test_a_worker_not_allocated_may_not_take_a_step_on_the_request(db):
    person = unique("P-ALLOC")
    request_id = await _submit(db, person, WORKER)
    with pytest.raises(NotPermitted):
        async with db.pool.acquire() as conn, conn.transaction():
            await lifecycle.take_step(conn, db.outbox, CAUSE, WORKER, request_id, "cancel", lambda r: r.cancel("no"))
    assert await db.fetchval("SELECT status FROM service_requests WHERE request_id = $1", request_id) == "submitted"
    await _allocate(db, MANAGER, person, WORKER)
    async with db.pool.acquire() as conn, conn.transaction():
        taken = await lifecycle.take_step(conn, db.outbox, CAUSE, WORKER, request_id, "cancel",
                                          lambda r: r.cancel("no longer needed"))
    assert taken.request.status.value == "cancelled"
