"""Direct payment reviews: recorded with DirectPaymentReviewed (the note in the audit log only), the next
due after the payment's interval (at most 12 months), and listed as due, overdue or done as of a day,
the list and the `carepay_dp_reviews` gauge agreeing. Through agreements' HTTP API and the job's step,
against Postgres alone."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest

from services.agreements.app import app
from services.agreements.domain.direct_payments import add_months
from services.agreements.jobs import JOBS
from services.agreements.metrics import DP_REVIEWS
from services.agreements.steps.dp_reviews import observe_reviews
from shared.metrics import REGISTRY
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import START, TODAY, agreed_direct_payment, conflict, person, problem

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def _review(db, client, dp_id: str, role: str = "social_worker", **body):
    return await client.post(f"/direct-payments/{dp_id}/reviews", json=body, headers=db.auth(role, subject=f"u-{role}"))


async def _listed(db, client, **params) -> dict[str, tuple[str, str]]:
    resp = await client.get("/direct-payment-reviews", params=params, headers=db.auth("team_manager"))
    assert resp.status_code == 200, resp.text
    return {r["agreement_id"]: (r["status"], r["next_review_due"]) for r in resp.json()}


async def test_a_review_is_published_with_its_next_date_and_the_note_stays_in_the_audit_log(db):
    async with db.http(app) as client:
        who = person()
        dp_id = await agreed_direct_payment(db, client, who, review_interval_months=6)
        resp = await _review(db, client, dp_id, reviewed_on=TODAY.isoformat(), outcome="continue",
                             note="managing well; daughter helps")
        assert resp.status_code == 201, resp.text
        assert (resp.json()["next_review_due"], resp.json()["status"]) == (add_months(TODAY, 6).isoformat(), "done")
    [reviewed] = await db.published("DirectPaymentReviewed")
    assert reviewed.payload == {"agreement_id": dp_id, "person_ref": who, "reviewed_on": TODAY.isoformat(),
                                "next_review_due": add_months(TODAY, 6).isoformat(), "outcome": "continue"}
    assert reviewed.actor.reason is None
    [audit] = await db.fetch("SELECT action, reason FROM audit_log WHERE subject_id = $1 AND action LIKE '%review%'",
                             dp_id)
    assert dict(audit) == {"action": "direct_payment_reviewed_continue", "reason": "managing well; daughter helps"}


async def test_bad_reviews_are_refused_and_only_caseworkers_review(db):
    async with db.http(app) as client:
        dp_id = await agreed_direct_payment(db, client, person())
        # A review in the future is wrong whatever the payment (422); one before its start meets its start (409).
        loc, msg = problem(await _review(db, client, dp_id, reviewed_on=(TODAY + timedelta(days=1)).isoformat(),
                                         outcome="continue"))
        assert loc == ["body", "reviewed_on"] and "future" in msg
        loc, msg, code = conflict(await _review(db, client, dp_id, outcome="vary",
                                                reviewed_on=(START - timedelta(days=1)).isoformat()))
        assert (loc, code) == (["body", "reviewed_on"], "outside_direct_payment")
        assert "before the direct payment's start" in msg
        assert problem(await _review(db, client, dp_id, reviewed_on=TODAY.isoformat(), outcome="stop"))[0] == [
            "body", "outcome"]
        for role in ("finance_officer", "finance_approver", "ops"):
            assert (await _review(db, client, dp_id, role, reviewed_on=TODAY.isoformat(),
                                  outcome="end")).status_code == 403
        for role in ("brokerage_officer", "team_manager"):
            assert (await _review(db, client, dp_id, role, reviewed_on=TODAY.isoformat(),
                                  outcome="vary")).status_code == 201
        # The interval between reviews is at most twelve months.
        loc, _ = problem(await client.put(f"/direct-payments/{dp_id}", headers=db.auth("brokerage_officer"), json={
            "payee_account": {"sort_code": "200000", "account_number": "12345678", "account_name": "X"},
            "review_interval_months": 13}))
        assert loc == ["body", "review_interval_months"]
    assert len(await db.published("DirectPaymentReviewed")) == 2


async def test_reviews_are_listed_due_overdue_and_done_and_the_gauge_counts_the_same(db):
    async with db.http(app) as client:
        start = TODAY - timedelta(days=170)
        overdue = await agreed_direct_payment(db, client, person(), start=start,
                                              first_review_due=(TODAY - timedelta(days=3)).isoformat())
        due = await agreed_direct_payment(db, client, person(), start=start,
                                          first_review_due=(TODAY + timedelta(days=10)).isoformat())
        done = await agreed_direct_payment(db, client, person(), start=start,
                                           first_review_due=(TODAY - timedelta(days=40)).isoformat())
        upcoming = await agreed_direct_payment(db, client, person(), start=TODAY - timedelta(days=5))
        resp = await _review(db, client, done, reviewed_on=(TODAY - timedelta(days=45)).isoformat(), outcome="continue")
        assert resp.status_code == 201, resp.text
        ended = await agreed_direct_payment(db, client, person(), start=start,
                                            first_review_due=(TODAY - timedelta(days=3)).isoformat())
        await client.post(f"/direct-payments/{ended}/end", headers=db.auth("brokerage_officer"),
                          json={"end": (TODAY - timedelta(days=1)).isoformat(), "reason": "other"})
        listed = await _listed(db, client)
        assert {k: s for k, (s, _) in listed.items()} == {overdue: "overdue", due: "due", done: "done",
                                                         upcoming: "upcoming"}
        assert listed[done][1] == add_months(TODAY - timedelta(days=45), 12).isoformat()
        assert set(await _listed(db, client, status="overdue")) == {overdue}
        assert set(await _listed(db, client, status="due")) == {due}
        assert set(await _listed(db, client, status="done")) == {done}
        assert set(await _listed(db, client, status="upcoming")) == {upcoming}
        # As of an earlier day, before the review was done and while the ended payment was live.
        earlier = await _listed(db, client, as_of=(TODAY - timedelta(days=50)).isoformat())
        assert (earlier[done][0], earlier[ended][0], earlier[overdue][0]) == ("due", "upcoming", "upcoming")
        as_person = db.auth("person", person="P-1")
        assert (await client.get("/direct-payment-reviews", headers=as_person)).status_code == 403
    counts = await observe_reviews(db.pool, TODAY)
    assert (counts["due"], counts["overdue"]) == (1, 1)
    assert REGISTRY.get_sample_value("carepay_dp_reviews", {"status": "due"}) == 1
    assert REGISTRY.get_sample_value("carepay_dp_reviews", {"status": "overdue"}) == 1


async def test_the_services_job_sets_the_gauge_from_the_database(db):
    async with db.http(app) as client:
        await agreed_direct_payment(db, client, person(), start=TODAY - timedelta(days=170),
                                    first_review_due=(TODAY - timedelta(days=1)).isoformat())
        await agreed_direct_payment(db, client, person(), start=TODAY - timedelta(days=170),
                                    first_review_due=(TODAY - timedelta(days=2)).isoformat())
    DP_REVIEWS.labels("overdue").set(-1)
    [job] = JOBS
    task = asyncio.create_task(job(db))  # db is a runtime: its pool, wait_for_database
    try:
        for _ in range(100):
            if REGISTRY.get_sample_value("carepay_dp_reviews", {"status": "overdue"}) == 2:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert REGISTRY.get_sample_value("carepay_dp_reviews", {"status": "overdue"}) == 2
    assert REGISTRY.get_sample_value("carepay_dp_reviews", {"status": "due"}) == 0
