"""Through the running service: a subject must exist and be the raiser's, each step is taken by whom
the domain allows and when its state allows, and lists show officers everything, raisers their own."""
from __future__ import annotations

import pytest

from tests.conftest import auth, envelope_of, unique
from tests.integration.invoicing.invoicing_helpers import MONDAY, invoice
from tests.integration.queries.queries_helpers import (OFFICER, effect_settled, event_of, raise_query,
                                                       self_billed_invoice, shown, step, under_investigation)

pytestmark = pytest.mark.stack


async def test_a_subject_must_exist_and_belong_to_the_raiser(http, stack, db, producer, tail):
    base = stack["queries"]
    pid, aid, invoice_id = await self_billed_invoice(producer, db, tail, days=1)
    other = auth("provider", provider=unique("PRV-OTHER"))

    unknown = await raise_query(http, base, OFFICER, "invoice", unique("INV-NONE"), "wrong_charge")
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["code"] == "subject_not_found"
    assert unknown.json()["errors"][0]["field"] == "body.subject_id"

    theirs = await raise_query(http, base, other, "invoice", invoice_id, "wrong_charge", disputes_invoice=True)
    assert theirs.status_code == 403 and "belongs to another provider" in theirs.text

    wrong_kind = await raise_query(http, base, auth("provider", provider=pid), "agreement", aid,
                                   "invoice_held_or_rejected")
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["loc"] == ["body", "category"]

    own = await raise_query(http, base, auth("provider", provider=pid), "invoice", invoice_id, "late_payment")
    assert own.status_code == 201, own.text
    assert own.json()["subject"]["provider_id"] == pid
    assert (await http.get(f"{base}/queries/{own.json()['query_id']}", headers=other)).status_code == 403


async def test_steps_out_of_order_are_409_naming_the_state_and_steps_by_the_wrong_side_403(
        http, stack, db, producer, tail):
    base = stack["queries"]
    pid, aid, invoice_id = await self_billed_invoice(producer, db, tail, days=1)
    as_provider = auth("provider", provider=pid)
    query_id = (await raise_query(http, base, as_provider, "invoice", invoice_id, "wrong_charge")).json()["query_id"]

    early = await step(http, base, query_id, "resolve", body={"outcome": {"kind": "no_change"}, "summary": "No."})
    assert early.status_code == 409, early.text
    assert f"query {query_id} is open, so it cannot be resolved" in early.json()["detail"]
    assert (await step(http, base, query_id, "acknowledge", headers=as_provider)).status_code == 403
    # What each outcome needs is in its shape (the document says so): refused before the state is looked at.
    no_amount = await step(http, base, query_id, "resolve", body={"outcome": {"kind": "credit_note"},
                                                                    "summary": "Refund."})
    assert no_amount.status_code == 422
    assert no_amount.json()["errors"][0]["field"] == "body.outcome.credit_note.amount_pence"
    assert (await step(http, base, query_id, "rate", headers=as_provider, body={"rating": 5})).status_code == 409


async def test_a_vary_agreement_effect_blocks_closing_until_an_officer_links_the_variation(
        http, stack, db, producer, tail):
    base = stack["queries"]
    pid, aid, _ = await self_billed_invoice(producer, db, tail, days=1)
    query_id = (await raise_query(http, base, OFFICER, "agreement", aid, "wrong_charge")).json()["query_id"]
    await under_investigation(http, base, query_id)
    async with tail("queries.events") as events:
        resolved = await step(http, base, query_id, "resolve", body={"outcome": {
            "kind": "vary_agreement", "effective_from": MONDAY.isoformat(), "description": "Rate is £25.00."},
            "summary": "The agreed rate was wrong."})
        assert resolved.status_code == 200, resolved.text
        [requested] = await events.wait_for(event_of("AgreementVariationRequested", query_id=query_id))
    assert envelope_of(requested)["payload"]["agreement_id"] == aid
    assert "Rate is" not in requested.value.decode()  # the description stays in queries

    pending = await step(http, base, query_id, "close")
    assert pending.status_code == 409 and "vary_agreement effect" in pending.text and "still pending" in pending.text
    unpublished = await step(http, base, query_id, "effect/variation", body={"agreement_version": 2})
    assert unpublished.status_code == 404 and "no version 2 published yet" in unpublished.text
    assert unpublished.json()["code"] == "agreement_version_not_found"
    by_provider = await step(http, base, query_id, "effect/variation", headers=auth("provider", provider=pid),
                             body={"agreement_version": 2})
    assert by_provider.status_code == 403

    failed = await step(http, base, query_id, "effect/fail", body={"reason": "Brokerage found no rate change."})
    assert failed.status_code == 200 and failed.json()["effect"]["failure_reason"] == "Brokerage found no rate change."
    still = await step(http, base, query_id, "close")
    assert still.status_code == 409 and "failed (Brokerage found no rate change.)" in still.text
    reopened = await step(http, base, query_id, "reopen", body={"reason": "Resolve without a variation."})
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    assert [e["status"] for e in reopened.json()["earlier_effects"]] == ["failed"]


async def test_officers_list_by_filters_and_raisers_list_only_their_own(http, stack, db, producer, tail):
    base = stack["queries"]
    pid, aid, invoice_id = await self_billed_invoice(producer, db, tail, days=1)
    team = unique("TEAM")
    as_provider = auth("provider", provider=pid)
    mine = (await raise_query(http, base, as_provider, "invoice", invoice_id, "late_payment")).json()["query_id"]
    by_officer = (await raise_query(http, base, OFFICER, "invoice", invoice_id, "wrong_charge")).json()["query_id"]
    for query_id in (mine, by_officer):
        assigned = await step(http, base, query_id, "assign", body={"team": team})
        assert assigned.status_code == 200 and assigned.json()["team"] == team
    assert (await step(http, base, by_officer, "acknowledge")).status_code == 200

    async def listed(**params) -> list[str]:
        resp = await http.get(f"{base}/queries", headers=OFFICER, params={"team": team, **params})
        assert resp.status_code == 200, resp.text
        return [q["query_id"] for q in resp.json()]

    assert set(await listed(sla_state="on_time", age_band="0-2")) == {mine, by_officer}
    assert await listed(status="open") == [mine]
    assert await listed(category="wrong_charge") == [by_officer]
    assert await listed(sla_state="breached") == []
    own = await http.get(f"{base}/queries", headers=as_provider)
    assert [q["query_id"] for q in own.json()] == [mine]  # not the officer's query about the same invoice
    assert (await http.get(f"{base}/queries/{by_officer}", headers=as_provider)).status_code == 403

    note = await step(http, base, mine, "notes", headers=as_provider, body={"text": "Any news?"})
    assert note.status_code == 200 and [n["text"] for n in note.json()["notes"]] == ["Any news?"]
    query = await shown(http, base, mine, as_provider)
    assert [h["action"] for h in query["history"]] == ["raise", "assign", "add_note"]
    assert query["sla"]["acknowledge_due_at"] < query["sla"]["resolve_due_at"]


async def test_money_moves_only_by_finance_above_the_threshold_with_a_second_approver_and_once(
        http, stack, db, producer, tail):
    """A social worker may not resolve with a supplementary payment (403); finance's £600 is only proposed
    (awaiting_approval, nothing requested); the proposer may not approve it, even as an approver (403); a
    second approver does, and invoicing holds the supplementary above the safety bound. Reopened, the
    query cannot move money again (409 naming the effect)."""
    base = stack["queries"]
    pid, aid, invoice_id = await self_billed_invoice(producer, db, tail, days=1)
    query_id = (await raise_query(http, base, OFFICER, "invoice", invoice_id, "wrong_charge")).json()["query_id"]
    await under_investigation(http, base, query_id)
    six_hundred = {"outcome": {"kind": "supplementary_payment", "amount_pence": 60_000}, "summary": "Underpaid."}

    by_social_worker = await step(http, base, query_id, "resolve", headers=auth("social_worker"), body=six_hundred)
    assert by_social_worker.status_code == 403, by_social_worker.text
    assert "only a finance officer or finance approver may resolve" in by_social_worker.json()["detail"]

    proposed = await step(http, base, query_id, "resolve", body=six_hundred)  # OFFICER: a finance officer
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "awaiting_approval" and proposed.json()["effect"] is None
    assert proposed.json()["proposal"]["proposed_by_id"] == "u-queries-officer"

    same_person = await step(http, base, query_id, "outcome/approve", body={"reason": "Mine."},
                             headers=auth("finance_approver", subject="u-queries-officer"))
    assert same_person.status_code == 403, same_person.text
    assert "a second finance approver, not the proposer" in same_person.json()["detail"]

    async with tail("queries.events") as events:
        approved = await step(http, base, query_id, "outcome/approve", body={"reason": "Checked the rota."},
                              headers=auth("finance_approver", subject="u-queries-approver"))
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "resolved"
        [record] = await events.wait_for(event_of("QueryOutcomeApproved", query_id=query_id))
        assert envelope_of(record)["actor"]["id"] == "u-queries-approver"
        assert envelope_of(record)["actor"]["reason"] == "Checked the rota."

    settled = await effect_settled(http, base, query_id)
    assert settled["effect"]["status"] == "completed", settled["effect"]
    supplementary = await invoice(http, stack["invoicing"], settled["effect"]["result_ref"])
    assert (supplementary["status"], supplementary["hold_codes"]) == ("held", ["above_commitment"])

    assert (await step(http, base, query_id, "reopen", body={"reason": "Still short."})).status_code == 200
    assert (await step(http, base, query_id, "investigate")).status_code == 200
    again = await step(http, base, query_id, "resolve", body={
        "outcome": {"kind": "supplementary_payment", "amount_pence": 100}, "summary": "A little more."})
    assert again.status_code == 409, again.text
    assert f"effect {settled['effect']['effect_id']}" in again.json()["detail"]
