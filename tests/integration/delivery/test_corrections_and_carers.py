"""Corrections, two-carer visits, variations and suspensions through the running service."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import agreements as contract
from tests.conftest import auth, eventually
from tests.integration.delivery.delivery_helpers import (
    agreed, WEEK, Setup, delivery_event, known_to_delivery, payload_of, slot, terms, visit_key, visit_record)

pytestmark = pytest.mark.stack


async def send(http, base, setup: Setup, *records) -> dict:
    resp = await http.post(f"{base}/providers/{setup.provider_id}/visits", json=list(records),
                           headers=auth("provider", provider=setup.provider_id))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def period(http, base, agreement_id: str, week=WEEK) -> dict:
    resp = await http.get(f"{base}/agreements/{agreement_id}/periods/{week}", headers=auth("finance_officer"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_correction_publishes_revision_2_and_the_difference_and_is_never_counted_twice(
        http, stack, producer, tail):
    base = stack["delivery"]
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK)))
    aid = agreement["agreement_id"]
    first = visit_record(setup, agreement["person"], WEEK, visit_id="V-COR", stayed=15)
    correction = {**first, **visit_record(setup, agreement["person"], WEEK, visit_id="V-COR", stayed=30)}
    async with tail("delivery.events") as events:
        await send(http, base, setup, first)
        await events.wait_for(delivery_event("VisitVerified", agreement_id=aid, revision=1))
        await send(http, base, setup, correction)
        [revised] = await events.wait_for(delivery_event("VisitVerified", agreement_id=aid, revision=2))
        [corrected] = await events.wait_for(delivery_event("VisitCorrected", agreement_id=aid))
    assert (payload_of(revised)["payable_minutes"], payload_of(revised)["amount_pence"]) == (30, 1200)
    difference = payload_of(corrected)
    assert (difference["revision"], difference["payable_minutes_before"], difference["payable_minutes_after"],
            difference["amount_pence_before"], difference["amount_pence_after"], difference["amount_pence_delta"],
            difference["week_already_confirmed"]) == (2, 15, 30, 600, 1200, 600, False)
    await send(http, base, setup, correction)  # the same record again changes nothing
    totals = await period(http, base, aid)
    assert (totals["visits"], totals["payable_minutes"], totals["amount_pence"]) == (1, 30, 1200)
    assert [line["revision"] for line in totals["lines"]] == [2]


async def test_a_two_carer_visit_with_one_carer_pays_one_carer(http, stack, producer, tail):
    base = stack["delivery"]
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK, "09:00", 60, carers=2)))
    aid = agreement["agreement_id"]
    async with tail("delivery.events") as events:
        await send(http, base, setup, visit_record(setup, agreement["person"], WEEK, minutes=60, stayed=60,
                                                   visit_id="V-2C", carer="C-A"))
        [one] = await events.wait_for(delivery_event("VisitVerified", agreement_id=aid))
    assert payload_of(one)["amount_pence"] == 2400
    assert [f["code"] for f in payload_of(one)["flags"]] == ["fewer_carers_than_required"]
    assert (await period(http, base, aid))["amount_pence"] == 2400

    async with tail("delivery.events") as events:  # the second carer's record arrives later
        await send(http, base, setup, visit_record(setup, agreement["person"], WEEK, minutes=60, stayed=60,
                                                   visit_id="V-2C", carer="C-B"))
        [second] = await events.wait_for(delivery_event("VisitVerified", agreement_id=aid, carer_id="C-B"))
        [cleared] = await events.wait_for(delivery_event("VisitVerified", agreement_id=aid, carer_id="C-A",
                                                         revision=2))
    assert payload_of(second)["amount_pence"] == 2400 and payload_of(cleared)["flags"] == []
    assert (await period(http, base, aid))["amount_pence"] == 4800


async def test_each_day_is_priced_at_the_version_and_rate_in_force_and_a_suspension_stops_planning(
        http, stack, producer, tail):
    base = stack["delivery"]
    setup = await Setup(producer).register()
    monday, wednesday, friday = WEEK, WEEK + timedelta(days=2), WEEK + timedelta(days=4)
    days = [WEEK + timedelta(days=i) for i in range(7)]
    v1 = terms(*(slot(d) for d in days), pence=2400)
    evening = [contract.Rate(unit="hour", amount_pence=3000),
               contract.Rate(unit="hour", amount_pence=3600, time_band="evening")]
    v2 = terms(*(slot(d) for d in days), *(slot(d, "19:30") for d in days), version=2, effective_from=wednesday,
               rates=evening)
    agreement = await setup.activate(v1)
    aid, person = agreement["agreement_id"], agreement["person"]
    await setup.activate(v1, v2, agreement_id=aid, person=person, event=contract.AgreementVaried, version=2,
                         effective_from=wednesday)
    await setup.activate(v1, v2, agreement_id=aid, person=person, event=contract.AgreementSuspended,
                         suspended_from=friday, reason="hospital",
                         suspensions=[contract.SuspensionPeriod(suspended_from=friday, reason="hospital")])
    await known_to_delivery(http, base, setup, aid)

    async def suspension_known() -> bool:
        planned = {v["visit_key"]: v["rate_pence_per_hour"] for v in (await period(http, base, aid))["planned_visits"]}
        return visit_key(aid, friday) not in planned and planned.get(visit_key(aid, wednesday, "19:30")) == 3600
    await eventually(suspension_known, timeout=30, what="the variation and suspension to reach delivery")
    async with tail("delivery.events") as events:
        report = await send(http, base, setup, visit_record(setup, person, monday),
                            visit_record(setup, person, wednesday), visit_record(setup, person, friday),
                            visit_record(setup, person, wednesday, at_time="19:30"))
        verified = await events.wait_for(delivery_event("VisitVerified", agreement_id=aid), count=3)
    rates = {payload_of(r)["visit_key"]: payload_of(r)["rate_pence_per_hour"] for r in verified}
    assert rates == {visit_key(aid, monday): 2400, visit_key(aid, wednesday): 3000,
                     visit_key(aid, wednesday, "19:30"): 3600}
    assert [(r["outcome"], r["reason"]) for r in report["records"]] == [
        ("verified", None), ("verified", None), ("unallocated", "agreement_suspended"), ("verified", None)]
