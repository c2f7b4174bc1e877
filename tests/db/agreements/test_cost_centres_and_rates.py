"""Cost centres and rates by business date: a request with a locality is drafted (through agreements' consumer
of requests.events) with the cost centre the council's rule gives it, every agreement event carries it, an
officer changes it while drafting or by a variation (a bad one is a 422 naming `cost_centre`, nothing changed),
and CommitmentChanged's lines carry each version's rate from its own date. Against Postgres alone."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from contracts.common import Mechanism, ServiceType
from contracts.requests import RequestApproved, ServiceRequested
from services.agreements.app import app
from services.agreements.config import agreements_config
from services.agreements.handlers.requests import REQUESTS
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import BROKER, START, home_care, person, problem, provider

pytestmark = pytest.mark.db
RULE = "locality:North=ASC-NORTH;service:home_care=ASC-HOME;default=ASC-CARE"


@pytest.fixture
async def db(monkeypatch):
    monkeypatch.setenv("CAREPAY_AGREEMENTS_COST_CENTRES", RULE)
    agreements_config.cache_clear()
    async with DatabaseOnly("agreements") as db:
        yield db
    agreements_config.cache_clear()


async def _requested(db, person_ref: str, locality: str | None, *, approve: bool = True) -> str:
    request_id = f"REQ-{uuid.uuid4().hex[:12].upper()}"
    await db.send(REQUESTS, ServiceRequested(request_id=request_id, person_ref=person_ref, requested_by="person",
                                             requested_start=START, locality=locality))
    if approve:
        await db.send(REQUESTS, RequestApproved(
            request_id=request_id, person_ref=person_ref, service_type=ServiceType.HOME_CARE,
            mechanism=Mechanism.COUNCIL_ARRANGED, weekly_budget_pence=50_000, weekly_contribution_pence=0,
            requested_start=START, locality=locality))
    assert db.dead == []
    return request_id


async def _draft_of(db, request_id: str) -> str:
    return await db.fetchval("SELECT agreement_id FROM agreements WHERE request_id = $1", request_id)


async def test_an_approved_request_is_drafted_with_its_localitys_cost_centre_and_every_event_carries_it(db):
    officer = db.auth("brokerage_officer", subject=BROKER)
    async with db.http(app) as client:
        prv, who = await provider(db, client), person()
        agreement_id = await _draft_of(db, await _requested(db, who, "north"))
        draft = await client.get(f"/agreements/{agreement_id}", headers=officer)
        assert draft.json()["cost_centre"] == "ASC-NORTH"
        resp = await client.put(f"/agreements/{agreement_id}", headers=officer, json=home_care(prv))
        assert resp.status_code == 200 and resp.json()["cost_centre"] == "ASC-NORTH", resp.text  # kept
        resp = await client.post(f"/agreements/{agreement_id}/activate", headers=officer)
        assert resp.status_code == 200, resp.text
        varied_from = START + timedelta(days=10)
        resp = await client.post(f"/agreements/{agreement_id}/variations", headers=officer, json={
            "effective_from": varied_from.isoformat(), "reason": "a longer visit",
            "rates": [{"unit": "hour", "amount_pence": 3000}]})
        assert resp.status_code == 200, resp.text
        resp = await client.post(f"/agreements/{agreement_id}/suspend", headers=officer, json={
            "suspended_from": (START + timedelta(days=20)).isoformat(), "reason": "hospital"})
        assert resp.status_code == 200, resp.text
    events = await db.published("AgreementActivated", "AgreementVaried", "AgreementSuspended")
    assert [(e.event_type, e.payload["cost_centre"]) for e in events] == [
        ("AgreementActivated", "ASC-NORTH"), ("AgreementVaried", "ASC-NORTH"), ("AgreementSuspended", "ASC-NORTH")]
    *_, changed = await db.published("CommitmentChanged")
    [line] = changed.payload["lines"]
    assert line["rates"] == [{"from_date": START.isoformat(), "weekly_pence": 7 * 2400},
                             {"from_date": varied_from.isoformat(), "weekly_pence": 7 * 3000}]


async def test_without_a_known_locality_the_service_type_decides_and_an_officer_may_change_it(db):
    officer = db.auth("brokerage_officer", subject=BROKER)
    async with db.http(app) as client:
        prv, who = await provider(db, client), person()
        agreement_id = await _draft_of(db, await _requested(db, who, "South"))
        resp = await client.put(f"/agreements/{agreement_id}", headers=officer,
                                json=home_care(prv, cost_centre="ASC-SOUTH"))
        assert resp.status_code == 200, resp.text
        assert await db.fetchval("SELECT cost_centre FROM agreements WHERE agreement_id = $1",
                                 agreement_id) == "ASC-SOUTH"
        await client.post(f"/agreements/{agreement_id}/activate", headers=officer)
        resp = await client.post(f"/agreements/{agreement_id}/variations", headers=officer, json={
            "effective_from": (START + timedelta(days=7)).isoformat(), "reason": "moved team",
            "cost_centre": "ASC-EAST"})
        assert resp.status_code == 200 and resp.json()["cost_centre"] == "ASC-EAST", resp.text
        # An officer's draft for a request that named no locality known to the rule: the service type's.
        other = await _requested(db, person(), None, approve=False)
        resp = await client.post("/agreements", headers=officer, json={
            "person_ref": person(), "service_type": "home_care", "request_id": other, **home_care(prv)})
        assert resp.status_code == 201 and resp.json()["cost_centre"] == "ASC-HOME", resp.text
    [varied] = await db.published("AgreementVaried")
    assert varied.payload["cost_centre"] == "ASC-EAST"


async def test_a_bad_cost_centre_is_a_422_naming_it_and_changes_nothing(db):
    officer = db.auth("brokerage_officer", subject=BROKER)
    async with db.http(app) as client:
        prv = await provider(db, client)
        agreement_id = await _draft_of(db, await _requested(db, person(), "North"))
        loc, msg = problem(await client.put(f"/agreements/{agreement_id}", headers=officer,
                                            json=home_care(prv, cost_centre="ASC NORTH!")))
        assert loc[-1] == "cost_centre" and "letters, digits" in msg
        [row] = await db.fetch("SELECT status, cost_centre, provider_id FROM agreements WHERE agreement_id = $1",
                               agreement_id)
        assert dict(row) == {"status": "draft", "cost_centre": "ASC-NORTH", "provider_id": None}
