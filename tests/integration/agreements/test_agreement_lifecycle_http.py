"""Variations, suspensions, ends, overlaps and commitments through the running service."""
from __future__ import annotations

import pytest

from tests.conftest import auth, envelope_of, eventually, unique
from tests.integration.agreements.brokerage_helpers import (draft_and_activate, drafts_for, event_of, home_care_terms,
                                                            register_provider, request_approved, send_envelope)

pytestmark = pytest.mark.stack


async def test_a_mid_week_rate_change_prices_each_day_at_its_own_rate(http, stack, tail):
    base = stack["agreements"]
    pid = (await register_provider(http, base))["provider_id"]
    agreement_id = (await draft_and_activate(http, base, unique("P"), pid)).json()["agreement_id"]
    async with tail("agreements.events") as events:
        varied = await http.post(f"{base}/agreements/{agreement_id}/variations", headers=auth("brokerage_officer"),
                                 json={"effective_from": "2027-01-07", "reason": "annual uplift",
                                       "rates": [{"unit": "hour", "amount_pence": 3000}]})
        assert varied.status_code == 200, varied.text
        [record] = await events.wait_for(event_of("AgreementVaried", agreement_id))
    payload = envelope_of(record)["payload"]
    assert (payload["version"], payload["effective_from"]) == (2, "2027-01-07")
    assert [(t["version"], t["effective_from"], t["rates"][0]["amount_pence"]) for t in payload["terms"]] == [
        (1, "2027-01-04", 2400), (2, "2027-01-07", 3000)]

    prices = await http.get(f"{base}/agreements/{agreement_id}/prices", params={"from": "2027-01-04", "days": 7},
                            headers=auth("provider", provider=pid))
    assert [d["pence"] for d in prices.json()["days"]] == [2400, 2400, 2400, 3000, 3000, 3000, 3000]
    assert prices.json()["total_pence"] == 19200
    history = await http.get(f"{base}/agreements/{agreement_id}/history", headers=auth("social_worker"))
    assert [(h["action"], h["reason"]) for h in history.json()][-1] == ("varied", "annual uplift")


async def test_ending_on_death_stops_every_payment_after_the_date(http, stack, tail):
    base = stack["agreements"]
    pid = (await register_provider(http, base))["provider_id"]
    agreement_id = (await draft_and_activate(http, base, unique("P"), pid)).json()["agreement_id"]
    suspended = await http.post(f"{base}/agreements/{agreement_id}/suspend", headers=auth("social_worker"),
                                json={"suspended_from": "2027-01-05", "reason": "hospital"})
    assert suspended.status_code == 200, suspended.text
    async with tail("agreements.events") as events:
        ended = await http.post(f"{base}/agreements/{agreement_id}/end", headers=auth("social_worker"),
                                json={"end": "2027-01-08", "reason": "death"})
        assert ended.status_code == 200, ended.text
        [record] = await events.wait_for(event_of("AgreementEnded", agreement_id))
    payload = envelope_of(record)["payload"]
    assert (payload["end"], payload["reason"]) == ("2027-01-08", "death")
    assert payload["suspensions"] == [{"suspended_from": "2027-01-05", "resumed_on": None, "reason": "hospital"}]
    prices = await http.get(f"{base}/agreements/{agreement_id}/prices", params={"from": "2027-01-04", "days": 9},
                            headers=auth("brokerage_officer"))
    assert [d["pence"] for d in prices.json()["days"]] == [2400] + [0] * 8
    later = await http.post(f"{base}/agreements/{agreement_id}/end", headers=auth("social_worker"),
                            json={"end": "2027-02-01", "reason": "death"})
    assert later.status_code == 409 and later.json()["errors"][0]["loc"] == ["body", "end"]  # it already ends
    assert later.json()["code"] == "outside_agreement"


async def test_an_overlapping_agreement_is_refused_unless_marked_concurrent(http, stack):
    base = stack["agreements"]
    pid = (await register_provider(http, base))["provider_id"]
    person = unique("P")
    assert (await draft_and_activate(http, base, person, pid)).status_code == 200
    overlapping = await draft_and_activate(http, base, person, pid, start="2027-02-01")
    assert overlapping.status_code == 409  # the person's other agreement: what is stored, not the request
    assert overlapping.json()["code"] == "agreement_overlaps" and "overlaps agreement" in overlapping.json()["detail"]
    concurrent = await draft_and_activate(http, base, person, pid, start="2027-02-01", concurrent=True)
    assert concurrent.status_code == 200, concurrent.text


async def test_a_commitment_above_the_personal_budget_is_flagged_by_event_and_metric(http, stack, producer, tail):
    base = stack["agreements"]
    pid = (await register_provider(http, base))["provider_id"]
    person = unique("P")
    approval = request_approved(person, mechanism="council_arranged", budget=10_000)
    await send_envelope(producer, approval)
    async with tail("agreements.events") as events:
        [draft] = await eventually(lambda: drafts_for(http, base, approval.aggregate_id), what="the draft")
        resp = await http.put(f"{base}/agreements/{draft['agreement_id']}", headers=auth("brokerage_officer"),
                              json=home_care_terms(pid))
        assert resp.status_code == 200, resp.text
        exceeded_before = metric(await http.get(f"{base}/metrics"), "carepay_commitment_exceeded_total")
        activated = await http.post(f"{base}/agreements/{draft['agreement_id']}/activate",
                                    headers=auth("brokerage_officer"))
        assert activated.status_code == 200, activated.text
        assert activated.json()["commitment"]["exceeded"] is True
        [record] = await events.wait_for(event_of("CommitmentChanged", person))
    payload = envelope_of(record)["payload"]
    assert (payload["weekly_budget_pence"], payload["weekly_commitment_pence"], payload["exceeded"],
            payload["exceeded_by_weekly_pence"]) == (10_000, 16_800, True, 6_800)
    assert payload["annual_commitment_pence"] == 52 * 16_800
    assert [line["agreement_id"] for line in payload["lines"]] == [draft["agreement_id"]]

    seen = await http.get(f"{base}/people/{person}/commitments", params={"on": "2027-01-04"},
                          headers=auth("social_worker"))
    assert seen.json()["exceeded"] is True and seen.json()["weekly_commitment_pence"] == 16_800
    metrics = await http.get(f"{base}/metrics")
    assert metric(metrics, "carepay_commitment_exceeded_total") == exceeded_before + 1
    assert metric(metrics, "carepay_commitment_people_over_budget") >= 1


def metric(resp, name: str) -> float:
    [value] = [float(line.split()[1]) for line in resp.text.splitlines() if line.startswith(name + " ")]
    return value
