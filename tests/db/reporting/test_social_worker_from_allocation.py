"""Reporting's "the person's social worker" (who may read their budget and statement) comes from the
requests service's allocation events, never from who submitted or acted on the person's requests.
Against Postgres alone (a fresh copy of the reporting schema), through the reporting.requests consumer."""
from __future__ import annotations

from datetime import date

import pytest

from contracts import requests as contract
from contracts.envelope import Actor
from shared.testing import DatabaseOnly
from services.reporting.handlers.requests import REQUESTS
from services.reporting.store.dims import is_social_worker_of
from tests.conftest import unique

pytestmark = pytest.mark.db
SOCIAL_WORKER = Actor(id="u-sw-1", role="social_worker")
MANAGER = Actor(id="u-manager", role="team_manager")


@pytest.fixture
async def db():
    async with DatabaseOnly("reporting") as db:
        yield db


def _allocation(kind, person: str, worker_id: str, worker_role: str = "social_worker"):
    return kind(person_ref=person, allocation_id=unique("AL"), worker_id=worker_id, worker_role=worker_role)


async def _is_worker_of(db: DatabaseOnly, person: str, subject: str) -> bool:
    async with db.pool.acquire() as conn:
        return await is_social_worker_of(conn, person, subject)


async def test_a_social_worker_who_submits_and_acts_on_a_request_is_not_made_the_persons_worker(db):
    person, request_id = unique("P-RPT"), unique("REQ")
    await db.send(REQUESTS, contract.ServiceRequested(request_id=request_id, person_ref=person,
                                                      requested_by="social_worker", requested_start=date(2026, 12, 1)),
                  contract.BudgetAgreed(request_id=request_id, person_ref=person, weekly_budget_pence=40_000,
                                        weekly_contribution_pence=0), actor=SOCIAL_WORKER)
    assert db.dead == []
    assert not await _is_worker_of(db, person, SOCIAL_WORKER.id)


async def test_the_persons_social_worker_follows_allocations_in_order(db):
    person = unique("P-RPT")
    await db.send(REQUESTS, _allocation(contract.PersonAllocated, person, "u-sw-1"), actor=MANAGER)
    assert await _is_worker_of(db, person, "u-sw-1")
    # Reallocated: the first worker's end and the second's allocation in one batch.
    await db.send(REQUESTS, _allocation(contract.PersonDeallocated, person, "u-sw-1"),
                  _allocation(contract.PersonAllocated, person, "u-sw-2"), actor=MANAGER)
    assert db.dead == []
    assert not await _is_worker_of(db, person, "u-sw-1")
    assert await _is_worker_of(db, person, "u-sw-2")
    # Allocated and ended within one batch: not the worker.
    await db.send(REQUESTS, _allocation(contract.PersonAllocated, person, "u-sw-3"),
                  _allocation(contract.PersonDeallocated, person, "u-sw-3"), actor=MANAGER)
    assert not await _is_worker_of(db, person, "u-sw-3")


async def test_a_brokerage_officers_allocation_makes_nobody_the_persons_social_worker(db):
    person = unique("P-RPT")
    await db.send(REQUESTS, _allocation(contract.PersonAllocated, person, "u-bo-1", "brokerage_officer"),
                  actor=MANAGER)
    assert db.dead == []
    assert not await _is_worker_of(db, person, "u-bo-1")
