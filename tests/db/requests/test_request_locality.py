"""A request's locality: kept, shown and carried on ServiceRequested and RequestApproved; a bad one is a 422
naming `locality` and nothing is stored. BudgetAgreed says the budget applies from the requested start. Through
the requests service's HTTP API against Postgres alone."""
from __future__ import annotations

from datetime import date

import pytest

from services.requests.app import app
from shared.testing import DatabaseOnly
from tests.conftest import unique

pytestmark = pytest.mark.db
START = date(2026, 11, 30)
SW, BO = "u-sw-loc", "u-bo-loc"


@pytest.fixture
async def db():
    async with DatabaseOnly("requests") as db:
        yield db


async def _allocate(db, client, person_ref: str) -> None:
    for role, worker in (("social_worker", SW), ("brokerage_officer", BO)):
        resp = await client.put(f"/people/{person_ref}/allocation", headers=db.auth("team_manager", subject="u-tm"),
                                json={"worker_id": worker, "worker_role": role})
        assert resp.status_code == 200, resp.text


async def test_a_requests_locality_is_carried_to_its_approval_and_its_budget_applies_from_the_start(db):
    person_ref = unique("P-LOC")
    sw = db.auth("social_worker", subject=SW)
    async with db.http(app) as client:
        await _allocate(db, client, person_ref)
        resp = await client.post("/requests", headers=sw, json={
            "person_ref": person_ref, "requested_by": "social_worker", "requested_start": START.isoformat(),
            "locality": " North "})
        assert resp.status_code == 201, resp.text
        request_id = resp.json()["request_id"]
        assert resp.json()["locality"] == "North"
        for path, body, headers in [
                ("assess", {"eligible": True, "service_type": "residential", "needs": ["personal care"],
                            "outcomes": ["safe at night"]}, sw),
                ("budget", {"weekly_budget_pence": 80_000, "weekly_contribution_pence": 10_000}, sw),
                ("mechanism", {"mechanism": "council_arranged"}, sw),
                ("approve", {}, db.auth("brokerage_officer", subject=BO))]:
            resp = await client.post(f"/requests/{request_id}/{path}", json=body, headers=headers)
            assert resp.status_code == 200, f"{path}: {resp.text}"
        listed = await client.get("/requests", params={"person_ref": person_ref}, headers=sw)
        assert [r["locality"] for r in listed.json()] == ["North"]
    [requested] = await db.published("ServiceRequested")
    [budget] = await db.published("BudgetAgreed")
    [approved] = await db.published("RequestApproved")
    assert requested.payload["locality"] == approved.payload["locality"] == "North"
    assert budget.payload["effective_from"] == START.isoformat()


@pytest.mark.parametrize("bad", ["North_East", "x" * 41, "   ", "Ward 7; DROP"])
async def test_a_bad_locality_is_a_422_naming_it_and_nothing_is_stored(db, bad):
    person_ref = unique("P-LOC")
    async with db.http(app) as client:
        await _allocate(db, client, person_ref)
        resp = await client.post("/requests", headers=db.auth("social_worker", subject=SW), json={
            "person_ref": person_ref, "requested_by": "social_worker", "requested_start": START.isoformat(),
            "locality": bad})
    assert resp.status_code == 422, resp.text
    [detail] = resp.json()["errors"]
    assert detail["loc"] == ["body", "locality"] and "letters, digits, spaces or hyphens" in detail["msg"]
    assert await db.fetchval("SELECT count(*) FROM service_requests WHERE person_ref = $1", person_ref) == 0
    assert await db.published("ServiceRequested") == []
