"""Reassessing an active request: a new budget from a date, kept with the one before it, published as
BudgetReassessed and shown in the request's history; refused (422 naming the field, nothing changed)
for a request that is not active, a date before its start or a contribution above the budget. Through
the requests service's HTTP API against Postgres alone."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts.agreements import AgreementActivated
from contracts.common import ServiceType
from services.requests.app import app
from services.requests.handlers.agreements import ARRANGEMENTS
from shared.testing import DatabaseOnly
from tests.conftest import unique

pytestmark = pytest.mark.db
START = date(2026, 11, 30)
WORKERS = {"social_worker": "u-sw-ras", "brokerage_officer": "u-bo-ras"}


@pytest.fixture
async def db():
    async with DatabaseOnly("requests") as db:
        yield db


async def _approved(db, client, person_ref: str) -> str:
    for role, worker in WORKERS.items():
        resp = await client.put(f"/people/{person_ref}/allocation", headers=db.auth("team_manager", subject="u-tm"),
                                json={"worker_id": worker, "worker_role": role})
        assert resp.status_code == 200, resp.text
    sw = db.auth("social_worker", subject=WORKERS["social_worker"])
    resp = await client.post("/requests", headers=sw, json={"person_ref": person_ref, "requested_by": "social_worker",
                                                            "requested_start": START.isoformat()})
    assert resp.status_code == 201, resp.text
    request_id = resp.json()["request_id"]
    for path, body, headers in [
            ("assess", {"eligible": True, "service_type": "home_care", "needs": ["washing"], "outcomes": ["home"]}, sw),
            ("budget", {"weekly_budget_pence": 30_000, "weekly_contribution_pence": 5_000}, sw),
            ("mechanism", {"mechanism": "direct_payment", "nominee": "council"}, sw),
            ("approve", {}, db.auth("brokerage_officer", subject=WORKERS["brokerage_officer"]))]:
        resp = await client.post(f"/requests/{request_id}/{path}", json=body, headers=headers)
        assert resp.status_code == 200, f"{path}: {resp.text}"
    return request_id


async def _active(db, client, person_ref: str, service_start: date = START + timedelta(days=7)) -> str:
    request_id = await _approved(db, client, person_ref)
    await db.send(ARRANGEMENTS, AgreementActivated(
        agreement_id="AGR-RAS", request_id=request_id, person_ref=person_ref, provider_id="PRV-1",
        service_type=ServiceType.HOME_CARE, payment_basis="plan", cycle="four_weekly", start=service_start,
        terms=[{"version": 1, "effective_from": service_start, "rates": [{"unit": "week", "amount_pence": 30_000}],
                "weekly_units": "1"}]))
    assert db.dead == []
    return request_id


def _reassess(db, client, request_id: str, *, role: str = "social_worker", subject: str = WORKERS["social_worker"],
              **body):
    return client.post(f"/requests/{request_id}/reassessments", json=body, headers=db.auth(role, subject=subject))


def _problem(resp) -> tuple[list[str], str]:
    assert resp.status_code == 422, resp.text
    [detail] = resp.json()["errors"]
    return detail["loc"], detail["msg"]


async def test_an_active_requests_reassessment_is_published_kept_and_in_its_history(db):
    async with db.http(app) as client:
        person_ref = unique("P-RAS")
        request_id = await _active(db, client, person_ref)
        effective = START + timedelta(days=35)
        resp = await _reassess(db, client, request_id, effective_from=effective.isoformat(), weekly_budget_pence=36_000,
                               weekly_contribution_pence=4_000, reason="needs grew after a fall")
        assert resp.status_code == 201, resp.text
        out = resp.json()
        assert out["reassessment_id"].startswith("RAS-")
        assert (out["weekly_budget_pence"], out["previous_weekly_budget_pence"],
                out["previous_weekly_contribution_pence"]) == (36_000, 30_000, 5_000)
        # A team manager reassesses too, without an allocation; the previous budget is now the reassessed one.
        again = await _reassess(db, client, request_id, role="team_manager", subject="u-tm",
                                effective_from=(effective + timedelta(days=28)).isoformat(),
                                weekly_budget_pence=38_000, weekly_contribution_pence=4_000)
        assert again.status_code == 201, again.text
        assert again.json()["previous_weekly_budget_pence"] == 36_000
        read = await client.get(f"/requests/{request_id}", headers=db.auth("social_worker",
                                                                           subject=WORKERS["social_worker"]))
        body = read.json()
        assert (body["status"], body["budget"]["weekly_budget_pence"]) == ("active", 38_000)
        assert "reassess" in body["next_steps"]
        assert [r["reassessment_id"] for r in body["reassessments"]] == [out["reassessment_id"],
                                                                        again.json()["reassessment_id"]]
        steps = [h for h in body["history"] if h["action"] == "reassess"]
        assert [(h["event_type"], h["from_status"], h["to_status"], h["actor_role"]) for h in steps] == [
            ("BudgetReassessed", "active", "active", "social_worker"),
            ("BudgetReassessed", "active", "active", "team_manager")]
        assert steps[0]["reason"] == "needs grew after a fall"
        assert steps[0]["details"]["reassessment_id"] == out["reassessment_id"]
    first, _ = await db.published("BudgetReassessed")
    assert first.aggregate_id == request_id
    assert first.payload == {"request_id": request_id, "person_ref": person_ref,
                             "reassessment_id": out["reassessment_id"], "effective_from": effective.isoformat(),
                             "weekly_budget_pence": 36_000, "weekly_contribution_pence": 4_000,
                             "previous_weekly_budget_pence": 30_000, "previous_weekly_contribution_pence": 5_000}


async def test_each_bad_reassessment_is_a_422_naming_the_field_and_changes_nothing(db):
    async with db.http(app) as client:
        approved = await _approved(db, client, unique("P-RAS"))
        loc, msg = _problem(await _reassess(db, client, approved, effective_from=START.isoformat(),
                                            weekly_budget_pence=1, weekly_contribution_pence=0))
        assert loc == ["body", "status"] and "is approved: only an active request" in msg
        active = await _active(db, client, unique("P-RAS"), service_start=START + timedelta(days=7))
        cases = [({"effective_from": (START + timedelta(days=6)).isoformat(), "weekly_budget_pence": 40_000,
                   "weekly_contribution_pence": 0}, "effective_from", "before the request's start"),
                 ({"effective_from": (START + timedelta(days=7)).isoformat(), "weekly_budget_pence": 40_000,
                   "weekly_contribution_pence": 40_001}, "weekly_contribution_pence", "must not exceed"),
                 ({"effective_from": (START + timedelta(days=7)).isoformat(), "weekly_budget_pence": -1,
                   "weekly_contribution_pence": 0}, "weekly_budget_pence", "greater than or equal to 0")]
        for body, field, why in cases:
            loc, msg = _problem(await _reassess(db, client, active, **body))
            assert loc == ["body", field] and why in msg, (body, msg)
        loc, _ = _problem(await _reassess(db, client, active, effective_from=(START + timedelta(days=7)).isoformat(),
                                          weekly_budget_pence=40_000))
        assert loc == ["body", "weekly_contribution_pence"]
        assert (await _reassess(db, client, "REQ-NOSUCH", effective_from=START.isoformat(), weekly_budget_pence=1,
                                weekly_contribution_pence=0)).status_code == 404
        # An unknown request is 404 whatever its figures: the rule between them is the found request's.
        assert (await _reassess(db, client, "REQ-NOSUCH", effective_from=START.isoformat(), weekly_budget_pence=1,
                                weekly_contribution_pence=2)).status_code == 404
    assert await db.published("BudgetReassessed") == []
    assert await db.fetch("SELECT * FROM budget_reassessments") == []


async def test_only_an_allocated_social_worker_or_a_team_manager_reassesses(db):
    async with db.http(app) as client:
        active = await _active(db, client, unique("P-RAS"))
        body = {"effective_from": (START + timedelta(days=7)).isoformat(), "weekly_budget_pence": 40_000,
                "weekly_contribution_pence": 0}
        assert (await _reassess(db, client, active, subject="u-sw-not-allocated", **body)).status_code == 403
        for role in ("brokerage_officer", "finance_officer", "ops"):
            assert (await _reassess(db, client, active, role=role, subject=f"u-{role}", **body)).status_code == 403
        person = await client.post(f"/requests/{active}/reassessments", json=body,
                                   headers=db.auth("person", person="P-ANYONE"))
        assert person.status_code == 403
    assert await db.published("BudgetReassessed") == []
