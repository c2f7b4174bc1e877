"""A provider's new rate card applied to its agreements in one step, through agreements' HTTP API against
Postgres alone: a preview changes nothing; applying varies each agreement it can (one AgreementVaried each,
carrying rate_uplift_id), refreshes each person's commitment, names each agreement skipped with its reason,
and is read back; only a brokerage officer may apply one; no card to apply is a 409 naming the field."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.agreements.app import app
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import BROKER, DAILY_HOUR, START, TODAY, conflict, home_care, person, provider

pytestmark = pytest.mark.db

UPLIFT = TODAY - timedelta(days=7)  # back-dated: the variation rules allow it within each agreement's dates
EVENING = [{"weekday": "monday", "start_time": "19:30", "duration_minutes": 60, "carers_required": 1}]


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


def _broker(db):
    return db.auth("brokerage_officer", subject=BROKER)


async def _card(db, client, prv: str, effective_from, rates) -> str:
    resp = await client.post(f"/providers/{prv}/rate-cards", headers=_broker(db), json={
        "service_type": "home_care", "effective_from": effective_from.isoformat(), "rates": rates})
    assert resp.status_code == 201, resp.text
    return resp.json()["rate_card_id"]


async def _active(db, client, prv: str, **body) -> str:
    resp = await client.post("/agreements", headers=_broker(db),
                             json={"person_ref": person(), "service_type": "home_care", **home_care(prv), **body})
    assert resp.status_code == 201, resp.text
    agreement_id = resp.json()["agreement_id"]
    resp = await client.post(f"/agreements/{agreement_id}/activate", headers=_broker(db))
    assert resp.status_code == 200, resp.text
    return agreement_id


async def _provider_with_agreements(db, client) -> tuple[str, str, dict[str, str]]:
    """A provider whose card goes from £24 to £25 (daytime only) on UPLIFT, and four of its agreements."""
    prv = await provider(db, client)
    old = await _card(db, client, prv, START - timedelta(days=60), [{"unit": "hour", "amount_pence": 2400}])
    agreements = {
        "on_card": await _active(db, client, prv, rates=None, rate_card_id=old),
        "negotiated": await _active(db, client, prv, rates=[{"unit": "hour", "amount_pence": 2300}]),
        "evening": await _active(db, client, prv, schedule=EVENING),
        "ended": await _active(db, client, prv),
    }
    resp = await client.post(f"/agreements/{agreements['ended']}/end", headers=_broker(db),
                             json={"end": (UPLIFT - timedelta(days=1)).isoformat(), "reason": "death"})
    assert resp.status_code == 200, resp.text
    new = await _card(db, client, prv, UPLIFT, [{"unit": "hour", "amount_pence": 2500, "time_band": "day"}])
    return prv, new, agreements


async def _uplift(db, client, prv: str, preview: bool, **body):
    return await client.post(f"/providers/{prv}/rate-uplifts", headers=_broker(db), json={
        "service_type": "home_care", "effective_from": UPLIFT.isoformat(), "preview": preview, **body})


async def _state(db) -> tuple:
    return (await db.fetchval("SELECT count(*) FROM agreement_terms"), len(await db.published()),
            await db.fetchval("SELECT count(*) FROM rate_uplifts"), await db.fetchval("SELECT count(*) FROM audit_log"))


async def test_a_preview_answers_each_weekly_cost_before_and_after_and_changes_nothing(db):
    async with db.http(app) as client:
        prv, new, ids = await _provider_with_agreements(db, client)
        before = await _state(db)
        resp = await _uplift(db, client, prv, preview=True)
        assert resp.status_code == 200, resp.text
        assert await _state(db) == before
    body = resp.json()
    assert (body["rate_uplift_id"], body["preview"], body["rate_card_id"]) == (None, True, new)
    varied = {v["agreement_id"]: v for v in body["varied"]}
    assert {a: (v["weekly_before_pence"], v["weekly_after_pence"], v["version"]) for a, v in varied.items()} == {
        ids["on_card"]: (7 * 2400, 7 * 2500, None), ids["negotiated"]: (7 * 2300, 7 * 2500, None)}
    assert varied[ids["negotiated"]]["reason"] == f"negotiated rates replaced by rate card {new}"
    assert varied[ids["on_card"]]["reason"].endswith(f"replaced by rate card {new}")
    skipped = {s["agreement_id"]: s["reason"] for s in body["skipped"]}
    assert skipped.keys() == {ids["evening"], ids["ended"]}
    assert skipped[ids["ended"]] == f"ended before {UPLIFT}: its last day is {UPLIFT - timedelta(days=1)}"
    assert skipped[ids["evening"]].startswith(f"rate card {new} cannot price it: schedule.0: no rate covers")


async def test_applying_varies_each_agreement_once_with_its_uplift_named_and_recomputes_the_commitment(db):
    async with db.http(app) as client:
        prv, new, ids = await _provider_with_agreements(db, client)
        resp = await _uplift(db, client, prv, preview=False)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        uplift_id = body["rate_uplift_id"]
        assert uplift_id.startswith("RU-") and body["preview"] is False and body["applied_by"] == BROKER
        assert sorted(v["agreement_id"] for v in body["varied"]) == sorted([ids["on_card"], ids["negotiated"]])
        assert {v["version"] for v in body["varied"]} == {2}
        read = await client.get(f"/rate-uplifts/{uplift_id}", headers=db.auth("finance_officer"))
        assert read.status_code == 200, read.text
        assert read.json()["varied"] == body["varied"] and read.json()["skipped"] == body["skipped"]
        assert read.json()["applied_at"] is not None
        agreement = (await client.get(f"/agreements/{ids['negotiated']}", headers=_broker(db))).json()
        assert [(t["version"], t["effective_from"], t["rate_card_id"]) for t in agreement["terms"]] == [
            (1, START.isoformat(), None), (2, UPLIFT.isoformat(), new)]
        assert agreement["terms"][1]["schedule"] == agreement["terms"][0]["schedule"]
        assert len(agreement["terms"][1]["schedule"]) == len(DAILY_HOUR)
    events = await db.published("AgreementVaried")
    assert sorted((e.payload["agreement_id"], e.payload["rate_uplift_id"], e.payload["version"],
                   e.payload["effective_from"]) for e in events) == sorted(
        [(ids["on_card"], uplift_id, 2, UPLIFT.isoformat()), (ids["negotiated"], uplift_id, 2, UPLIFT.isoformat())])
    assert all(t["reason"] is None for e in events for t in e.payload["terms"])  # the reason stays here
    people = {e.payload["agreement_id"]: e.payload["person_ref"] for e in events}
    latest = {}
    for e in await db.published("CommitmentChanged"):
        latest[e.payload["person_ref"]] = e.payload["weekly_commitment_pence"]
    assert {latest[people[ids["on_card"]]], latest[people[ids["negotiated"]]]} == {7 * 2500}
    rows = await db.fetch("SELECT agreement_id, outcome, version, reason FROM rate_uplift_lines"
                          " WHERE rate_uplift_id = $1", uplift_id)
    assert {(r["agreement_id"], r["outcome"], r["version"]) for r in rows} == {
        (ids["on_card"], "varied", 2), (ids["negotiated"], "varied", 2), (ids["evening"], "skipped", None),
        (ids["ended"], "skipped", None)}
    [who] = await db.fetch("SELECT applied_by, applied_role, rate_card_id FROM rate_uplifts")
    assert tuple(who) == (BROKER, "brokerage_officer", new)


async def test_applying_again_skips_what_is_already_on_the_card(db):
    async with db.http(app) as client:
        prv, new, ids = await _provider_with_agreements(db, client)
        assert (await _uplift(db, client, prv, preview=False)).status_code == 200
        again = (await _uplift(db, client, prv, preview=False)).json()
    assert again["varied"] == []
    assert {s["agreement_id"]: s["reason"] for s in again["skipped"]}[ids["on_card"]] == (
        f"already on rate card {new} on {UPLIFT}")
    assert len(await db.published("AgreementVaried")) == 2


async def test_only_a_brokerage_officer_applies_and_a_provider_reads_only_its_own(db):
    async with db.http(app) as client:
        prv, _new, _ids = await _provider_with_agreements(db, client)
        for role in ("finance_officer", "social_worker", "provider", "person"):
            resp = await client.post(f"/providers/{prv}/rate-uplifts", headers=db.auth(role, provider=prv, person="P-1"),
                                     json={"service_type": "home_care", "effective_from": UPLIFT.isoformat()})
            assert resp.status_code == 403, (role, resp.text)
        uplift_id = (await _uplift(db, client, prv, preview=False)).json()["rate_uplift_id"]
        own = await client.get(f"/rate-uplifts/{uplift_id}", headers=db.auth("provider", provider=prv))
        other = await client.get(f"/rate-uplifts/{uplift_id}", headers=db.auth("provider", provider="PRV-OTHER"))
        person_ = await client.get(f"/rate-uplifts/{uplift_id}", headers=db.auth("person", person="P-1"))
        unknown = await client.get("/rate-uplifts/RU-NOSUCH", headers=_broker(db))
    assert own.status_code == 200 and other.status_code == 404 and unknown.status_code == 404
    assert person_.status_code == 403
    assert len(await db.published("AgreementVaried")) == 2


async def test_no_card_in_force_is_a_409_naming_the_field_and_nothing_changes(db):
    async with db.http(app) as client:
        prv, _new, _ids = await _provider_with_agreements(db, client)
        before = await _state(db)
        too_early = await _uplift(db, client, prv, preview=False,
                                  effective_from=(START - timedelta(days=61)).isoformat())
        not_registered = await _uplift(db, client, prv, preview=False, service_type="residential")
        no_such = await client.post("/providers/PRV-NOSUCH/rate-uplifts", headers=_broker(db),
                                    json={"service_type": "home_care", "effective_from": UPLIFT.isoformat()})
        assert await _state(db) == before
    loc, msg, code = conflict(too_early)
    assert (loc, code) == (["body", "effective_from"], "no_rate_card")
    assert "no rate card for home_care in force on" in msg
    loc, msg, code = conflict(not_registered)
    assert (loc, code) == (["body", "service_type"], "service_not_offered")
    assert "not registered for residential" in msg
    assert no_such.status_code == 404
