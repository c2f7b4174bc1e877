"""BudgetReassessed in: the person's budget in force from its date (what the commitment is measured
against), kept so a direct payment's variation can take its figures from it. Through agreements' own
consumer of requests.events and its HTTP API, against Postgres alone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.requests import BudgetReassessed
from services.agreements.app import app
from services.agreements.handlers.requests import REQUESTS
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import START, TODAY, agreed_direct_payment, conflict, person

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


def reassessed(person_ref: str, effective_from, budget: int, contribution: int, **kw) -> BudgetReassessed:
    return BudgetReassessed(request_id=kw.pop("request_id", "REQ-RAS"), person_ref=person_ref,
                            reassessment_id=kw.pop("reassessment_id", f"RAS-{person_ref}"),
                            effective_from=effective_from, weekly_budget_pence=budget,
                            weekly_contribution_pence=contribution, previous_weekly_budget_pence=30_000,
                            previous_weekly_contribution_pence=5_000, **kw)


async def _commitment(db, client, person_ref: str, on) -> dict:
    resp = await client.get(f"/people/{person_ref}/commitments", params={"on": on.isoformat()},
                            headers=db.auth("social_worker"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_reassessed_budget_is_in_force_from_its_date_and_a_replay_changes_nothing(db):
    async with db.http(app) as client:
        who = person()
        await agreed_direct_payment(db, client, who, budget=30_000, contribution=5_000)
        effective = TODAY + timedelta(days=14)
        [envelope] = await db.send(REQUESTS, reassessed(who, effective, 20_000, 5_000))
        before = len(await db.published("CommitmentChanged"))
        await db.send(REQUESTS, envelope)  # delivered again: claimed already
        assert db.dead == []
        assert len(await db.fetch("SELECT * FROM budget_reassessments")) == 1
        assert len(await db.published("CommitmentChanged")) == before
        assert (await _commitment(db, client, who, TODAY))["weekly_budget_pence"] == 30_000
        later = await _commitment(db, client, who, effective)
        # The direct payment (still £300 gross) now exceeds the £200 budget in force.
        assert (later["weekly_budget_pence"], later["exceeded"], later["exceeded_by_weekly_pence"]) == (
            20_000, True, 10_000)


async def test_a_variation_naming_only_a_reassessment_takes_its_budget_contribution_and_date(db):
    async with db.http(app) as client:
        who = person()
        dp_id = await agreed_direct_payment(db, client, who, budget=30_000, contribution=5_000)
        effective = START + timedelta(days=21)
        await db.send(REQUESTS, reassessed(who, effective, 34_000, 4_000, reassessment_id="RAS-ONE"))
        resp = await client.post(f"/direct-payments/{dp_id}/variations", headers=db.auth("social_worker"),
                                 json={"reassessment_id": "RAS-ONE"})
        assert resp.status_code == 201, resp.text
        assert (resp.json()["effective_from"], resp.json()["weekly_budget_pence"],
                resp.json()["weekly_contribution_pence"], resp.json()["reassessment_id"]) == (
            effective.isoformat(), 34_000, 4_000, "RAS-ONE")
    [varied] = await db.published("DirectPaymentVaried")
    assert (varied.payload["reassessment_id"], varied.payload["effective_from"],
            varied.payload["amount_per_four_weeks_pence"]) == ("RAS-ONE", effective.isoformat(), 4 * 30_000)


async def test_another_persons_reassessment_cannot_vary_a_direct_payment(db):
    async with db.http(app) as client:
        who, other = person(), person()
        dp_id = await agreed_direct_payment(db, client, who)
        await db.send(REQUESTS, reassessed(other, START + timedelta(days=7), 40_000, 0, reassessment_id="RAS-OTHER"))
        loc, msg, code = conflict(await client.post(f"/direct-payments/{dp_id}/variations",
                                                    headers=db.auth("social_worker"),
                                                    json={"reassessment_id": "RAS-OTHER"}))
        assert (loc, code) == (["body", "reassessment_id"], "reassessment_of_another") and "another person's" in msg
    assert await db.published("DirectPaymentVaried") == []
