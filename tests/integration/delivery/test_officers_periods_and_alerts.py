"""Unallocated records decided by officers, period actuals confirmed once (by the provider or at the
cut-off) with later corrections as adjustments, the missed-visit alert, and agreements made through
the agreements service."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import agreements as contract
from shared.clock import LONDON, utcnow
from tests.conftest import auth, envelope_of, unique
from tests.integration.agreements.brokerage_helpers import draft_and_activate, register_provider
from tests.integration.delivery.delivery_helpers import (
    agreed, WEEK, WEEKDAYS, Setup, delivery_event, known_to_delivery, payload_of, slot, terms, visit_key, visit_record)
from tests.integration.delivery.test_corrections_and_carers import period, send

pytestmark = pytest.mark.stack


async def test_an_unallocated_record_is_allocated_or_rejected_by_an_officer(http, stack, producer, tail):
    base = stack["delivery"]
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK)))
    aid = agreement["agreement_id"]
    report = await send(http, base, setup, visit_record(setup, agreement["person"], WEEK, at_time="13:00"),
                        visit_record(setup, agreement["person"], WEEK, at_time="18:00", carer="C-2"))
    assert [r["outcome"] for r in report["records"]] == ["unallocated", "unallocated"]
    held, other = (r["record_id"] for r in report["records"])
    listed = await http.get(f"{base}/visits/unallocated", params={"intake_id": report["intake_id"]},
                            headers=auth("provider", provider=setup.provider_id))
    assert {r["record_id"] for r in listed.json()} == {held, other}

    body = {"agreement_id": aid, "planned_start": f"{WEEK.isoformat()}T09:00", "reason": "carer logged the wrong time"}
    refused = await http.post(f"{base}/visits/unallocated/{held}/allocate", json=body,
                              headers=auth("provider", provider=setup.provider_id))
    assert refused.status_code == 403
    wrong_time = await http.post(f"{base}/visits/unallocated/{held}/allocate", headers=auth("brokerage_officer"),
                                 json={**body, "planned_start": f"{WEEK.isoformat()}T10:00"})
    assert wrong_time.status_code == 409 and "09:00" in wrong_time.text  # the agreement's plan refuses it
    assert wrong_time.json()["code"] == "no_planned_visit"
    assert wrong_time.json()["errors"][0]["field"] == "body.planned_start"
    unknown = await http.post(f"{base}/visits/unallocated/{held}/allocate", headers=auth("brokerage_officer"),
                              json={**body, "agreement_id": "AGR-NOT-KNOWN"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "agreement_not_found"
    assert unknown.json()["errors"][0]["field"] == "body.agreement_id"
    async with tail("delivery.events") as events:
        allocated = await http.post(f"{base}/visits/unallocated/{held}/allocate", json=body,
                                    headers=auth("brokerage_officer"))
        assert allocated.status_code == 200, allocated.text
        [verified] = await events.wait_for(delivery_event("VisitVerified", agreement_id=aid))
        await events.wait_for(delivery_event("UnallocatedVisitResolved", record_id=held, outcome="allocated"))
        rejected = await http.post(f"{base}/visits/unallocated/{other}/reject", headers=auth("finance_officer"),
                                   json={"reason": "no such visit took place"})
        assert rejected.status_code == 200, rejected.text
        await events.wait_for(delivery_event("UnallocatedVisitResolved", record_id=other, outcome="rejected"))
    assert payload_of(verified)["visit_key"] == visit_key(aid, WEEK)
    assert (await http.post(f"{base}/visits/unallocated/{held}/allocate", json=body,
                            headers=auth("brokerage_officer"))).status_code == 409
    still_open = await http.get(f"{base}/visits/unallocated", params={"intake_id": report["intake_id"]},
                                headers=auth("ops"))
    assert still_open.json() == []
    assert (await period(http, base, aid))["amount_pence"] == 1200


async def test_confirming_a_week_publishes_its_actuals_once_and_later_corrections_ride_the_next_week(
        http, stack, producer, tail):
    base = stack["delivery"]
    next_week = WEEK + timedelta(days=7)
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK), slot(next_week)))
    aid, person = agreement["agreement_id"], agreement["person"]
    provider = auth("provider", provider=setup.provider_id)
    first = visit_record(setup, person, WEEK, visit_id="V-P1", stayed=30)
    await send(http, base, setup, first)
    async with tail("delivery.events") as events:
        confirmed = await http.post(f"{base}/agreements/{aid}/periods/{WEEK}/confirm", headers=provider)
        assert confirmed.status_code == 200, confirmed.text
        assert (await http.post(f"{base}/agreements/{aid}/periods/{WEEK}/confirm", headers=provider)).status_code == 409
        await send(http, base, setup, {**first, **visit_record(setup, person, WEEK, visit_id="V-P1", stayed=15)})
        [corrected] = await events.wait_for(delivery_event("VisitCorrected", agreement_id=aid))
        later = await http.post(f"{base}/agreements/{aid}/periods/{next_week}/confirm", headers=auth("finance_officer"))
        assert later.status_code == 200, later.text
        await events.wait_for(delivery_event("PeriodActualsConfirmed", agreement_id=aid, week_start=str(next_week)))
    weeks = [payload_of(r) for r in events.seen if delivery_event("PeriodActualsConfirmed", agreement_id=aid)(r)]
    assert [(w["week_start"], w["confirmed_by"]) for w in weeks] == [
        (str(WEEK), "provider"), (str(next_week), "officer")]
    assert (weeks[0]["amount_pence"], [line["visit_key"] for line in weeks[0]["lines"]]) == (
        1200, [visit_key(aid, WEEK)])
    assert payload_of(corrected)["week_already_confirmed"] is True
    assert (weeks[1]["amount_pence"], weeks[1]["adjustments_pence"]) == (0, -600)
    assert [(a["visit_key"], a["amount_pence_delta"], a["revision"]) for a in weeks[1]["adjustments"]] == [
        (visit_key(aid, WEEK), -600, 2)]
    shown = await period(http, base, aid)
    assert (shown["status"], shown["confirmed_by"], shown["amount_pence"]) == ("confirmed", "provider", 600)


async def test_a_week_past_its_cut_off_confirms_itself_once_quiet(http, stack, producer, tail, db):
    base = stack["delivery"]
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK)))
    aid = agreement["agreement_id"]
    await send(http, base, setup, visit_record(setup, agreement["person"], WEEK))
    async with tail("delivery.events") as events:
        # The week's cut-off (Tuesday 12:00 after it) has passed; only the 10-minute settle holds it: let it pass.
        await db.execute("UPDATE delivery.periods SET last_changed_at = now() - interval '1 hour'"
                         " WHERE agreement_id = $1", aid)
        [auto] = await events.wait_for(delivery_event("PeriodActualsConfirmed", agreement_id=aid), timeout=75)
    assert (payload_of(auto)["confirmed_by"], payload_of(auto)["amount_pence"]) == ("auto", 1200)


async def test_a_planned_visit_with_no_attendance_by_its_cut_off_raises_a_safeguarding_alert(
        http, stack, producer, tail):
    base = stack["delivery"]
    setup = await Setup(producer).register()
    now = utcnow().astimezone(LONDON).replace(second=0, microsecond=0)
    # Delivery learns of the agreement now: a visit 50 minutes ago is within its hour's grace for
    # consumer lag, one 70 minutes ago is not; both were cut off 30 minutes ago with nobody there.
    watched, unwatched, cut_off = now - timedelta(minutes=50), now - timedelta(minutes=70), now - timedelta(minutes=30)
    version = contract.AgreementTerms(
        version=1, effective_from=unwatched.date() - timedelta(days=7),
        rates=[contract.Rate(unit="hour", amount_pence=2400)],
        schedule=[contract.ScheduledVisit(weekday=WEEKDAYS[t.weekday()], start_time=t.time(), duration_minutes=10)
                  for t in (watched, unwatched)],
        visit_rules=contract.VisitRules(missed_cut_off=cut_off.time()))
    async with tail("delivery.events") as events:
        agreement = await setup.activate(version, start=unwatched.date() - timedelta(days=7),
                                         occurred_at=now - timedelta(days=2))
        aid = agreement["agreement_id"]
        [missed] = await events.wait_for(delivery_event("VisitMissed", agreement_id=aid), timeout=75)
    alert = payload_of(missed)
    assert (alert["visit_key"], alert["planned_minutes"], alert["carers_required"]) == (
        visit_key(aid, watched.date(), f"{watched:%H:%M}"), 10, 1)
    assert [payload_of(r)["visit_key"] for r in events.seen if delivery_event("VisitMissed", agreement_id=aid)(r)] == [
        alert["visit_key"]]
    metrics = (await http.get(f"{base}/metrics")).text
    assert "carepay_visits_missed_total" in metrics


async def test_an_agreement_made_in_the_agreements_service_verifies_visits(http, stack, tail):
    agreements, base = stack["agreements"], stack["delivery"]
    provider = await register_provider(http, agreements)
    person = unique("P")
    daily = [{"weekday": d, "start_time": "09:00", "duration_minutes": 60, "carers_required": 1}
             for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]
    activated = await draft_and_activate(http, agreements, person, provider["provider_id"], start=WEEK.isoformat(),
                                         schedule=daily)
    assert activated.status_code == 200, activated.text
    aid = activated.json()["agreement_id"]
    setup = Setup(None)
    setup.provider_id, setup.cqc = provider["provider_id"], provider["cqc_provider_id"]
    await known_to_delivery(http, base, setup, aid)
    async with tail("delivery.events") as events:
        await send(http, base, setup, visit_record(setup, person, WEEK, minutes=60, stayed=58))
        [verified] = await events.wait_for(delivery_event("VisitVerified", agreement_id=aid))
    assert (payload_of(verified)["payable_minutes"], payload_of(verified)["amount_pence"]) == (60, 2400)
    assert envelope_of(verified)["producer"] == "delivery"
