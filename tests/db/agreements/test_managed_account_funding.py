"""Agreements funded by a council-managed direct payment: the funding is checked against the payment it
names (422 when the request itself is wrong, 409 when the payment it names cannot fund it; either names
direct_payment_id and why, and nothing is stored), every agreement event carries the
funding and the mechanism, and the person's commitment counts the money once. Through agreements'
HTTP API and its consumer of requests.events, against Postgres alone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.common import Mechanism, Nominee
from services.agreements.app import app
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import (BROKER, START, agreed_direct_payment, approve_request, conflict, home_care,
                                         person, problem, provider)

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


def _managed(dp_id: str | None, **overrides) -> dict:
    return {"funding": "managed_account", "direct_payment_id": dp_id, **overrides}


async def _draft(db, client, person_ref: str, provider_id: str, **body):
    return await client.post("/agreements", headers=db.auth("brokerage_officer", subject=BROKER),
                             json={"person_ref": person_ref, "service_type": "home_care", **home_care(provider_id),
                                   **body})


async def test_an_agreement_funded_by_the_persons_managed_account_is_stored_and_its_events_say_so(db):
    async with db.http(app) as client:
        who, prv = person(), await provider(db, client)
        dp_id = await agreed_direct_payment(db, client, who)
        drafted = await _draft(db, client, who, prv, **_managed(dp_id))
        assert drafted.status_code == 201, drafted.text
        body = drafted.json()
        assert (body["funding"], body["direct_payment_id"], body["mechanism"]) == (
            "managed_account", dp_id, "direct_payment_managed")
        [row] = await db.fetch("SELECT funding, direct_payment_id, arranged_as FROM agreements"
                               " WHERE agreement_id = $1", body["agreement_id"])
        assert dict(row) == {"funding": "managed_account", "direct_payment_id": dp_id,
                             "arranged_as": "council_arranged"}
        agreement_id = body["agreement_id"]
        activated = await client.post(f"/agreements/{agreement_id}/activate", headers=db.auth("brokerage_officer"))
        assert activated.status_code == 200, activated.text
        for path, body in [("variations", {"effective_from": (START + timedelta(days=7)).isoformat(),
                                           "reason": "more time", "rates": [{"unit": "hour", "amount_pence": 2500}]}),
                           ("suspend", {"suspended_from": (START + timedelta(days=14)).isoformat(),
                                        "reason": "hospital"}),
                           ("resume", {"resumed_on": (START + timedelta(days=20)).isoformat()}),
                           ("end", {"end": (START + timedelta(days=90)).isoformat(), "reason": "other"})]:
            resp = await client.post(f"/agreements/{agreement_id}/{path}", json=body,
                                     headers=db.auth("brokerage_officer"))
            assert resp.status_code == 200, f"{path}: {resp.text}"
    events = await db.published("AgreementActivated", "AgreementVaried", "AgreementSuspended", "AgreementResumed",
                                "AgreementEnded")
    assert [e.event_type for e in events] == ["AgreementActivated", "AgreementVaried", "AgreementSuspended",
                                              "AgreementResumed", "AgreementEnded"]
    assert {(e.payload["funding"], e.payload["direct_payment_id"], e.payload["mechanism"]) for e in events} == {
        ("managed_account", dp_id, "direct_payment_managed")}


async def test_completing_a_drafted_isf_agreement_with_council_funding_keeps_mechanism_isf(db):
    async with db.http(app) as client:
        who, prv = person(), await provider(db, client)
        request_id = await approve_request(db, who, mechanism=Mechanism.ISF)
        agreement_id = await db.fetchval("SELECT agreement_id FROM agreements WHERE request_id = $1", request_id)
        completed = await client.put(f"/agreements/{agreement_id}", headers=db.auth("brokerage_officer"),
                                     json=home_care(prv))
        assert completed.status_code == 200, completed.text
        assert (completed.json()["mechanism"], completed.json()["funding"]) == ("isf", "council")
        activated = await client.post(f"/agreements/{agreement_id}/activate", headers=db.auth("brokerage_officer"))
        assert activated.status_code == 200, activated.text
    [event] = await db.published("AgreementActivated")
    assert (event.payload["mechanism"], event.payload["funding"], event.payload["direct_payment_id"]) == (
        "isf", "council", None)


async def test_a_drafted_council_arranged_agreement_completed_with_managed_funding_is_direct_payment_managed(db):
    async with db.http(app) as client:
        who, prv = person(), await provider(db, client)
        dp_id = await agreed_direct_payment(db, client, who)
        request_id = await approve_request(db, who, mechanism=Mechanism.COUNCIL_ARRANGED)
        agreement_id = await db.fetchval("SELECT agreement_id FROM agreements WHERE request_id = $1", request_id)
        completed = await client.put(f"/agreements/{agreement_id}", headers=db.auth("brokerage_officer"),
                                     json={**home_care(prv), **_managed(dp_id)})
        assert completed.status_code == 200, completed.text
        assert completed.json()["mechanism"] == "direct_payment_managed"
        plain = await _draft(db, client, person(), prv)
        assert (plain.json()["mechanism"], plain.json()["funding"], plain.json()["direct_payment_id"]) == (
            "council_arranged", "council", None)


async def test_each_funding_the_direct_payment_cannot_give_is_refused_naming_why_and_nothing_is_drafted(db):
    async with db.http(app) as client:
        who, other, prv = person(), person(), await provider(db, client)
        managed = await agreed_direct_payment(db, client, who)
        to_the_person = await agreed_direct_payment(db, client, who, nominee=Nominee.PERSON)
        others = await agreed_direct_payment(db, client, other)
        ended = await agreed_direct_payment(db, client, who)
        resp = await client.post(f"/direct-payments/{ended}/end", headers=db.auth("brokerage_officer"),
                                 json={"end": START.isoformat(), "reason": "other"})
        assert resp.status_code == 200, resp.text
        draft_request = await approve_request(db, who, mechanism=Mechanism.DIRECT_PAYMENT, nominee=Nominee.COUNCIL)
        draft_dp = await db.fetchval("SELECT agreement_id FROM direct_payments WHERE request_id = $1", draft_request)
        # The request alone: a managed account names its payment, the council's names none (422).
        for body, why in ((_managed(None), "required with funding managed_account"),
                          ({"direct_payment_id": managed}, "only with funding managed_account")):
            loc, msg = problem(await _draft(db, client, who, prv, **body))
            assert loc == ["body", "direct_payment_id"] and why in msg, (body, msg)
        # The payment named cannot fund it (409).
        cases = [
            (_managed("DP-NOSUCHPAYMENT"), "unknown_direct_payment", "there is no direct payment DP-NOSUCHPAYMENT"),
            (_managed(draft_dp), "funding_refused", f"direct payment {draft_dp} is draft"),
            (_managed(ended), "funding_refused", f"direct payment {ended} is ended"),
            (_managed(to_the_person), "funding_refused", "not managed by the council"),
            (_managed(others), "funding_refused", "another person's"),
        ]
        for body, code, why in cases:
            loc, msg, got = conflict(await _draft(db, client, who, prv, **body))
            assert (loc, got) == (["body", "direct_payment_id"], code) and why in msg, (body, msg)
        assert problem(await _draft(db, client, who, prv, funding="somebody_else"))[0] == ["body", "funding"]
    assert await db.fetch("SELECT * FROM agreements") == []


async def test_a_managed_direct_payment_ended_after_drafting_cannot_fund_the_activation(db):
    async with db.http(app) as client:
        who, prv = person(), await provider(db, client)
        dp_id = await agreed_direct_payment(db, client, who)
        agreement_id = (await _draft(db, client, who, prv, **_managed(dp_id))).json()["agreement_id"]
        await client.post(f"/direct-payments/{dp_id}/end", headers=db.auth("brokerage_officer"),
                          json={"end": START.isoformat(), "reason": "other"})
        loc, msg, code = conflict(await client.post(f"/agreements/{agreement_id}/activate",
                                                    headers=db.auth("brokerage_officer")))
        assert (loc, code) == ([], "funding_refused") and "is ended" in msg  # the request names no payment
    assert await db.published("AgreementActivated") == []


async def test_care_bought_from_the_managed_account_is_not_counted_again_in_the_commitment(db):
    async with db.http(app) as client:
        who, prv = person(), await provider(db, client)
        dp_id = await agreed_direct_payment(db, client, who, budget=30_000, contribution=5_000)
        managed = (await _draft(db, client, who, prv, **_managed(dp_id))).json()["agreement_id"]
        activated = await client.post(f"/agreements/{managed}/activate", headers=db.auth("brokerage_officer"))
        assert activated.status_code == 200, activated.text
        commitment = activated.json()["commitment"]
        # The direct payment's gross (£300 a week) is the whole commitment: the care it buys is not added.
        assert commitment["weekly_commitment_pence"] == 30_000 and not commitment["exceeded"]
        assert sorted((line["agreement_id"], line["kind"], line["funded_by"]) for line in commitment["lines"]) == sorted(
            [(dp_id, "direct_payment", None), (managed, "agreement", dp_id)])
        council = (await _draft(db, client, who, prv, concurrent=True)).json()["agreement_id"]
        activated = await client.post(f"/agreements/{council}/activate", headers=db.auth("brokerage_officer"))
        # Care the council pays for itself is on top: 7 x £24 more, above the £300 budget.
        assert activated.json()["commitment"]["weekly_commitment_pence"] == 30_000 + 7 * 2400
        assert activated.json()["commitment"]["exceeded"]
        read = await client.get(f"/people/{who}/commitments", headers=db.auth("social_worker"))
        assert {line["agreement_id"] for line in read.json()["lines"]} == {dp_id, council, managed}
    published = await db.published("CommitmentChanged")
    # Invoicing bounds the funded agreement's invoices by its own line, which names the payment.
    assert {line["funded_by"] for e in published for line in e.payload["lines"]
            if line["agreement_id"] == managed} == {dp_id}


async def test_activating_funded_care_publishes_its_line_though_the_persons_totals_stay_the_same(db):
    """The funded agreement's line bounds its invoices in invoicing, so it must be published even when the
    person's totals do not move (the direct payment's line already counts the money)."""
    async with db.http(app) as client:
        who, prv = person(), await provider(db, client)
        dp_id = await agreed_direct_payment(db, client, who, budget=30_000, contribution=5_000)
        before = await db.published("CommitmentChanged")
        managed = (await _draft(db, client, who, prv, **_managed(dp_id))).json()["agreement_id"]
        activated = await client.post(f"/agreements/{managed}/activate", headers=db.auth("brokerage_officer"))
        assert activated.status_code == 200, activated.text
    after = (await db.published("CommitmentChanged"))[len(before):]
    assert before and before[-1].payload["weekly_commitment_pence"] == 30_000
    [changed] = after
    assert changed.payload["weekly_commitment_pence"] == 30_000
    assert {(line["agreement_id"], line["funded_by"]) for line in changed.payload["lines"]} == {
        (dp_id, None), (managed, dp_id)}
