"""A request approved in the requests service becomes an active, priced agreement, published once."""
from __future__ import annotations

import asyncio

import pytest

from tests.conftest import auth, envelope_of, eventually, every_page, unique
from tests.integration.agreements.brokerage_helpers import (DAILY_HOUR_AT_NINE, START, approve_through_requests,
                                                            bank_account, drafts_for, event_of, publish_hourly_card,
                                                            register_provider, request_approved, send_envelope)

pytestmark = pytest.mark.stack


async def test_an_approved_request_becomes_an_active_agreement_whose_event_is_received_once(http, stack, tail):
    base = stack["agreements"]
    chosen = await register_provider(http, base)
    card = await publish_hourly_card(http, base, chosen["provider_id"], 2400)
    dearer = await register_provider(http, base)
    await publish_hourly_card(http, base, dearer["provider_id"], 2600)
    person = unique("P")
    request_id = await approve_through_requests(http, stack["requests"], person, mechanism="council_arranged",
                                                budget=30_000, preferred_provider_id=chosen["provider_id"])

    [draft] = await eventually(lambda: drafts_for(http, base, request_id), what="the approved request's draft")
    assert (draft["status"], draft["provider_id"], draft["payment_basis"], draft["cycle"]) == (
        "draft", chosen["provider_id"], "actuals", "weekly")

    completed = await http.put(f"{base}/agreements/{draft['agreement_id']}", headers=auth("brokerage_officer"),
                               json={"provider_id": chosen["provider_id"], "payment_basis": "actuals",
                                     "cycle": "weekly", "start": START.isoformat(),
                                     "rate_card_id": card["rate_card_id"], "schedule": DAILY_HOUR_AT_NINE})
    assert completed.status_code == 200, completed.text
    pages = await every_page(http, f"{base}/agreements/{draft['agreement_id']}/shortlist", auth("brokerage_officer"))
    shortlist = [entry for page in pages for entry in page]  # the stack's other tests' providers too, page by page
    ranked = [e["provider_id"] for e in shortlist]
    assert ranked.index(chosen["provider_id"]) < ranked.index(dearer["provider_id"])
    assert next(e for e in shortlist if e["provider_id"] == chosen["provider_id"])["weekly_cost_pence"] == 16800

    async with tail("agreements.events") as events:
        activated = await http.post(f"{base}/agreements/{draft['agreement_id']}/activate",
                                    headers=auth("brokerage_officer"))
        assert activated.status_code == 200, activated.text
        [record] = await events.wait_for(event_of("AgreementActivated", draft["agreement_id"]))
        await asyncio.sleep(1.5)  # a second copy, were there one, would be here by now
        copies = [r for r in events.seen if event_of("AgreementActivated", draft["agreement_id"])(r)]
    assert len({envelope_of(r)["event_id"] for r in copies}) == 1

    payload = envelope_of(record)["payload"]
    assert (payload["request_id"], payload["person_ref"], payload["provider_id"]) == (
        request_id, person, chosen["provider_id"])
    [terms] = payload["terms"]
    assert terms["rates"] == [{"unit": "hour", "amount_pence": 2400, "time_band": None, "day_category": None}]
    assert terms["rate_card_id"] == card["rate_card_id"] and len(terms["schedule"]) == 7
    assert terms["visit_rules"] == {"rounding": "nearest_15", "late_after_minutes": 30, "short_below_percent": 75,
                                    "pay_frustrated": True, "pay_short_notice_cancellation": True,
                                    "missed_cut_off": None}

    async def request_active():
        # the social worker the person is allocated to (approve_through_requests allocates them)
        resp = await http.get(f"{stack['requests']}/requests/{request_id}",
                              headers=auth("social_worker", subject=f"test-social_worker-{person}"))
        return resp.json()["status"] == "active"

    await eventually(request_active, what="the requests service to receive AgreementActivated")


async def test_an_approval_delivered_twice_or_repeated_drafts_one_agreement(http, stack, producer):
    base = stack["agreements"]
    envelope = request_approved(unique("P"), mechanism="isf", budget=40_000)
    await send_envelope(producer, envelope)
    await send_envelope(producer, envelope)  # the same event again: the inbox skips it
    repeated = request_approved(envelope.payload.person_ref, mechanism="isf", budget=40_000,
                                request_id=envelope.aggregate_id)
    last = await send_envelope(producer, repeated)  # a new event approving the same request: the draft is unique
    marker = request_approved(unique("P"), mechanism="isf", budget=1)
    # Another request, so another key: sent to the duplicates' partition, behind them, or its draft proves nothing.
    await send_envelope(producer, marker, partition=last.partition)
    await eventually(lambda: drafts_for(http, base, marker.aggregate_id), what="the marker behind the duplicates")
    drafts = await drafts_for(http, base, envelope.aggregate_id)
    assert [(d["status"], d["payment_basis"], d["cycle"]) for d in drafts] == [("draft", "plan", "four_weekly")]


async def test_a_direct_payment_is_agreed_by_a_second_person_and_published_net_of_contribution(
        http, stack, producer, tail):
    base = stack["agreements"]
    envelope = request_approved(unique("P"), mechanism="direct_payment", nominee="third_party",
                                budget=30_000, contribution=4_550)
    await send_envelope(producer, envelope)

    async def direct_payment():
        resp = await http.get(f"{base}/direct-payments", params={"request_id": envelope.aggregate_id},
                              headers=auth("brokerage_officer"))
        return resp.json()

    [draft] = await eventually(direct_payment, what="the direct payment draft")
    assert draft["amount_per_four_weeks_pence"] == 4 * (30_000 - 4_550) and draft["nominee"] == "third_party"
    dp = f"{base}/direct-payments/{draft['agreement_id']}"
    account = bank_account(account_name="J Nominee")
    resp = await http.put(dp, headers=auth("finance_officer", subject="u-maker"),
                          json={"payee_account": account, "first_review_due": "2027-06-01"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["review_dates"][:2] == ["2027-06-01", "2028-06-01"]

    same_person = await http.post(f"{dp}/agree", headers=auth("finance_approver", subject="u-maker"))
    assert same_person.status_code == 403 and "a second person must" in same_person.json()["detail"]
    async with tail("agreements.events") as events, tail("agreements.payee-accounts") as accounts:
        agreed = await http.post(f"{dp}/agree", headers=auth("finance_approver", subject="u-checker"))
        assert agreed.status_code == 200, agreed.text
        [record] = await events.wait_for(event_of("DirectPaymentAgreed", draft["agreement_id"]))
        [to_payments] = await accounts.wait_for(event_of("DirectPaymentPayeeAccountSet", draft["agreement_id"]))
    payload = envelope_of(record)["payload"]
    assert payload["amount_per_four_weeks_pence"] == 101_800
    # The payee's account and name only on agreements.payee-accounts (payments alone reads it).
    assert "payee_account" not in payload and b"J Nominee" not in record.value
    assert envelope_of(to_payments)["payload"]["payee_account"] == {
        "sort_code": "200000", "account_number": account["account_number"], "account_name": "J Nominee"}
    assert (payload["first_review_due"], payload["start"], payload["nominee"]) == (
        "2027-06-01", START.isoformat(), "third_party")


async def test_a_request_approved_again_as_a_direct_payment_cancels_its_draft_agreement(http, stack, producer):
    base = stack["agreements"]
    first = request_approved(unique("P"), mechanism="council_arranged", budget=30_000)
    await send_envelope(producer, first)
    [draft] = await eventually(lambda: drafts_for(http, base, first.aggregate_id), what="the first draft")
    again = request_approved(first.payload.person_ref, mechanism="direct_payment", nominee="council", budget=30_000,
                             request_id=first.aggregate_id)
    await send_envelope(producer, again)

    async def direct_payments():
        resp = await http.get(f"{base}/direct-payments", params={"request_id": first.aggregate_id},
                              headers=auth("brokerage_officer"))
        return resp.json()

    [payment] = await eventually(direct_payments, what="the direct payment draft")
    assert payment["status"] == "draft"
    [cancelled] = await drafts_for(http, base, first.aggregate_id)
    assert (cancelled["agreement_id"], cancelled["status"]) == (draft["agreement_id"], "cancelled")
