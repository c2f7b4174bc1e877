"""A live direct payment varied from a date: a new version kept beside the old, DirectPaymentVaried (the
payment as it now stands) with an audit line and a refreshed commitment in one transaction; each bad
variation a 422 naming its field and nothing changed; a rise above the threshold waits for a second
officer. Through agreements' HTTP API against Postgres alone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.common import Mechanism, Nominee
from services.agreements.app import app
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import (START, TODAY, agreed_direct_payment, approve_request, conflict, person,
                                        problem)

pytestmark = pytest.mark.db
SOCIAL_WORKER = "u-sw-1"
MANAGER = "u-tm-1"


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def _vary(db, client, dp_id: str, *, role: str = "social_worker", subject: str = SOCIAL_WORKER, **body):
    return await client.post(f"/direct-payments/{dp_id}/variations", json=body,
                             headers=db.auth(role, subject=subject))


async def _nothing_changed(db, dp_id: str) -> None:
    assert await db.fetch("SELECT * FROM direct_payment_variations WHERE agreement_id = $1", dp_id) == []
    assert await db.published("DirectPaymentVaried") == []


async def test_a_variation_is_a_new_version_published_with_the_whole_payment_audited_and_committed(db):
    async with db.http(app) as client:
        who = person()
        dp_id = await agreed_direct_payment(db, client, who, budget=30_000, contribution=5_000)
        effective = START + timedelta(days=14)
        resp = await _vary(db, client, dp_id, effective_from=effective.isoformat(), weekly_budget_pence=35_000,
                           cycle="weekly", reason="more help in the mornings")
        assert resp.status_code == 201, resp.text
        out = resp.json()
        assert (out["status"], out["version"], out["amount_per_four_weeks_pence"]) == ("in_force", 2, 4 * 30_000)
        payment = out["direct_payment"]
        assert (payment["version"], payment["weekly_budget_pence"], payment["cycle"]) == (2, 35_000, "weekly")
        assert [(v["version"], v["effective_from"], v["weekly_budget_pence"]) for v in payment["versions"]] == [
            (1, START.isoformat(), 30_000), (2, effective.isoformat(), 35_000)]
        assert out["requested_by"] == SOCIAL_WORKER and out["approved_by"] is None
        history = await client.get(f"/direct-payments/{dp_id}/variations",
                                   headers=db.auth("finance_officer"))
        assert history.status_code == 200 and [v["variation_id"] for v in history.json()] == [out["variation_id"]]
    [varied] = await db.published("DirectPaymentVaried")
    assert varied.aggregate_id == dp_id
    assert varied.payload == {
        "agreement_id": dp_id, "person_ref": who, "request_id": varied.payload["request_id"], "nominee": "council",
        "start": START.isoformat(), "amount_per_four_weeks_pence": 120_000, "weekly_budget_pence": 35_000,
        "weekly_contribution_pence": 5_000, "first_review_due": varied.payload["first_review_due"],
        "review_interval_months": 12, "cycle": "weekly", "mechanism": "direct_payment_managed", "version": 2,
        "effective_from": effective.isoformat(), "reassessment_id": None}
    assert varied.actor.reason is None  # the reason is in the audit log only
    [audit] = await db.fetch("SELECT actor_id, reason FROM audit_log WHERE subject_id = $1"
                             " AND action = 'direct_payment_varied'", dp_id)
    assert dict(audit) == {"actor_id": SOCIAL_WORKER, "reason": "more help in the mornings"}
    # The person's commitment follows the new version: £350 gross a week from the variation on.
    [*_, changed] = await db.published("CommitmentChanged")
    assert changed.payload["weekly_commitment_pence"] == 35_000
    [agreed] = await db.published("DirectPaymentAgreed")
    assert (agreed.payload["mechanism"], agreed.payload["cycle"]) == ("direct_payment_managed", "four_weekly")


async def test_each_bad_variation_is_refused_naming_the_field_and_changes_nothing(db):
    """422 when the request itself breaks a rule; 409 (with its code) when the payment as it stands does not
    allow it."""
    async with db.http(app) as client:
        dp_id = await agreed_direct_payment(db, client, person(), budget=30_000, contribution=5_000,
                                            first_review_due=(START + timedelta(days=60)).isoformat())
        on = (START + timedelta(days=7)).isoformat()
        invalid = [
            ({"weekly_budget_pence": 31_000}, "effective_from", "required"),
            ({"effective_from": on, "weekly_budget_pence": 10_000, "weekly_contribution_pence": 10_001},
             "weekly_contribution_pence", "must not exceed the weekly budget"),
        ]
        for body, field, why in invalid:
            loc, msg = problem(await _vary(db, client, dp_id, **body))
            assert loc == ["body", field] and why in msg, (body, loc, msg)
        conflicting = [
            ({"effective_from": (START - timedelta(days=1)).isoformat(), "weekly_budget_pence": 31_000},
             ["body", "effective_from"], "outside_direct_payment", "before the direct payment's start"),
            ({"effective_from": on, "weekly_contribution_pence": 30_001}, ["body", "weekly_contribution_pence"],
             "nothing_to_pay", "must not exceed the weekly budget"),
            ({"effective_from": on, "weekly_budget_pence": 4_000}, ["body", "weekly_contribution_pence"],
             "nothing_to_pay", "must not exceed the weekly budget"),
            ({"effective_from": on, "weekly_contribution_pence": 30_000}, ["body", "weekly_contribution_pence"],
             "nothing_to_pay", "no direct payment to make"),
            ({"effective_from": on, "weekly_budget_pence": 30_000, "cycle": "four_weekly"}, [], "nothing_changes",
             "nothing changes"),
            ({"effective_from": on}, [], "nothing_changes", "nothing changes"),
            ({"effective_from": on, "reassessment_id": "RAS-UNKNOWN"}, ["body", "reassessment_id"],
             "unknown_reassessment", "no reassessment"),
        ]
        for body, where, code, why in conflicting:
            loc, msg, got = conflict(await _vary(db, client, dp_id, **body))
            assert (loc, got) == (where, code) and why in msg, (body, loc, msg, got)
        assert problem(await _vary(db, client, dp_id, effective_from=on, weekly_budget_pence=-1))[0] == [
            "body", "weekly_budget_pence"]
        assert problem(await _vary(db, client, dp_id, effective_from=on, cycle="monthly"))[0] == ["body", "cycle"]
        resp = await client.post(f"/direct-payments/{dp_id}/end", headers=db.auth("brokerage_officer"),
                                 json={"end": (TODAY + timedelta(days=30)).isoformat(), "reason": "other"})
        assert resp.status_code == 200, resp.text
        loc, msg, code = conflict(await _vary(db, client, dp_id, weekly_budget_pence=31_000,
                                              effective_from=(TODAY + timedelta(days=31)).isoformat()))
        assert loc == ["body", "effective_from"] and "after the direct payment's end" in msg
        await _nothing_changed(db, dp_id)
        # Ending it before today: no longer live.
        await client.post(f"/direct-payments/{dp_id}/end", headers=db.auth("brokerage_officer"),
                          json={"end": (TODAY - timedelta(days=1)).isoformat(), "reason": "other"})
        loc, msg, code = conflict(await _vary(db, client, dp_id, effective_from=on, weekly_budget_pence=31_000))
        assert (loc, code) == ([], "direct_payment_status") and "no longer live" in msg
        draft_request = await approve_request(db, person(), mechanism=Mechanism.DIRECT_PAYMENT,
                                              nominee=Nominee.PERSON)
        draft = await db.fetchval("SELECT agreement_id FROM direct_payments WHERE request_id = $1", draft_request)
        loc, msg, code = conflict(await _vary(db, client, draft, effective_from=on, weekly_budget_pence=31_000))
        assert (loc, code) == ([], "direct_payment_status") and "only an agreed, live direct payment" in msg
    await _nothing_changed(db, dp_id)


async def test_who_may_vary_and_who_may_read(db):
    async with db.http(app) as client:
        who = person()
        dp_id = await agreed_direct_payment(db, client, who)
        on = (START + timedelta(days=7)).isoformat()
        for role in ("finance_officer", "finance_approver", "provider", "person", "ops"):
            resp = await client.post(f"/direct-payments/{dp_id}/variations",
                                     json={"effective_from": on, "weekly_budget_pence": 31_000},
                                     headers=db.auth(role, person=who if role == "person" else None,
                                                     provider="PRV-1" if role == "provider" else None))
            assert resp.status_code == 403, role
        await _nothing_changed(db, dp_id)
        for i, role in enumerate(("brokerage_officer", "social_worker", "team_manager")):
            resp = await _vary(db, client, dp_id, role=role, subject=f"u-{role}",
                               effective_from=on, weekly_budget_pence=31_000 + i)
            assert resp.status_code == 201, (role, resp.text)
        for role in ("finance_officer", "finance_approver"):
            assert (await client.get(f"/direct-payments/{dp_id}/variations", headers=db.auth(role))).status_code == 200
        assert (await client.get(f"/direct-payments/{dp_id}/variations",
                                 headers=db.auth("person", person=person()))).status_code == 404
    assert [e.payload["version"] for e in await db.published("DirectPaymentVaried")] == [2, 3, 4]


async def test_a_large_rise_waits_for_a_second_officer_and_leaves_only_on_approval(db):
    async with db.http(app) as client:
        dp_id = await agreed_direct_payment(db, client, person(), budget=30_000, contribution=5_000)
        on = (START + timedelta(days=7)).isoformat()
        # £250 -> £500 a week net: £1,000 more each four weeks is not above the threshold; a penny more is.
        at_threshold = await _vary(db, client, dp_id, effective_from=on, weekly_budget_pence=55_000)
        assert at_threshold.json()["status"] == "in_force"
        asked = await _vary(db, client, dp_id, effective_from=on, weekly_budget_pence=80_001)
        assert asked.status_code == 201, asked.text
        pending = asked.json()
        assert (pending["status"], pending["version"], pending["direct_payment"]["weekly_budget_pence"]) == (
            "pending", None, 55_000)
        assert len(await db.published("DirectPaymentVaried")) == 1
        approve = f"/direct-payments/{dp_id}/variations/{pending['variation_id']}/approve"
        # The one who asked cannot approve, whatever their role; a social worker is not an approver.
        assert (await client.post(approve, headers=db.auth("team_manager", subject=SOCIAL_WORKER))).status_code == 403
        assert (await client.post(approve, headers=db.auth("social_worker", subject="u-sw-2"))).status_code == 403
        assert (await client.post(f"/direct-payments/{dp_id}/variations/DPV-NOSUCH/approve",
                                  headers=db.auth("team_manager", subject=MANAGER))).status_code == 404
        assert len(await db.published("DirectPaymentVaried")) == 1
        approved = await client.post(approve, headers=db.auth("team_manager", subject=MANAGER),
                                     json={"reason": "care plan agreed"})
        assert approved.status_code == 200, approved.text
        assert (approved.json()["status"], approved.json()["version"], approved.json()["approved_by"]) == (
            "in_force", 3, MANAGER)
        assert approved.json()["direct_payment"]["amount_per_four_weeks_pence"] == 4 * 75_001
        again = await client.post(approve, headers=db.auth("brokerage_officer", subject="u-bo-9"))
        loc, msg, code = conflict(again)
        assert (loc, code) == ([], "variation_status") and "in_force" in msg
    varied = await db.published("DirectPaymentVaried")
    assert [(e.payload["version"], e.payload["amount_per_four_weeks_pence"]) for e in varied] == [
        (2, 4 * 50_000), (3, 4 * 75_001)]
    assert varied[-1].actor.id == MANAGER
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log WHERE subject_id = $1"
                                                   " ORDER BY id", dp_id)]
    assert actions[-3:] == ["direct_payment_varied", "direct_payment_variation_requested",
                            "direct_payment_variation_approved"]


async def test_a_newer_variation_supersedes_one_still_pending(db):
    async with db.http(app) as client:
        dp_id = await agreed_direct_payment(db, client, person(), budget=30_000, contribution=5_000)
        on = (START + timedelta(days=7)).isoformat()
        first = (await _vary(db, client, dp_id, effective_from=on, weekly_budget_pence=90_000)).json()
        second = await _vary(db, client, dp_id, effective_from=on, weekly_budget_pence=32_000)
        assert second.json()["status"] == "in_force"
        listed = await client.get(f"/direct-payments/{dp_id}/variations", headers=db.auth("finance_approver"))
        assert [(v["variation_id"], v["status"]) for v in listed.json()] == [
            (first["variation_id"], "superseded"), (second.json()["variation_id"], "in_force")]
        late = await client.post(f"/direct-payments/{dp_id}/variations/{first['variation_id']}/approve",
                                 headers=db.auth("team_manager", subject=MANAGER))
        assert conflict(late)[2] == "variation_status"
    assert [e.payload["weekly_budget_pence"] for e in await db.published("DirectPaymentVaried")] == [32_000]
