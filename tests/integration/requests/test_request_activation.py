"""An agreement or direct payment in place (events on agreements.events) makes an approved request active."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import envelope_of, eventually
from tests.integration.requests.request_flow import (Flow, agreement_activated, as_published,
                                                     direct_payment_agreed, event_of, send)

pytestmark = pytest.mark.stack


async def status_of(flow: Flow) -> dict:
    return (await flow.get()).json()


async def days_observed(http, stack, mechanism: str) -> tuple[float, float]:
    """(count, sum in days) of carepay_request_wait_for_service_seconds for one mechanism."""
    text = (await http.get(f"{stack['requests']}/metrics")).text
    found = {s.name: s.value for f in text_string_to_metric_families(text)
             if f.name == "carepay_request_wait_for_service_seconds" for s in f.samples
             if s.labels.get("mechanism") == mechanism and s.name.endswith(("_count", "_sum"))}
    return (found.get("carepay_request_wait_for_service_seconds_count", 0.0),
            found.get("carepay_request_wait_for_service_seconds_sum", 0.0) / 86_400)


async def test_an_activated_agreement_activates_its_approved_request_and_measures_days_to_start(
        http, stack, tail, producer):
    flow = Flow(http, stack["requests"])
    approved = await flow.reach("approved")
    start = date.fromisoformat(approved["submitted_on"]) + timedelta(days=12)
    count_before, sum_before = await days_observed(http, stack, "council_arranged")
    async with tail("requests.events") as events:
        await send(producer, as_published(agreement_activated(flow.request_id, flow.person, start)))
        [record] = await events.wait_for(event_of(flow.request_id, "RequestActivated"))
    envelope = envelope_of(record)
    assert envelope["payload"] == {"request_id": flow.request_id, "person_ref": flow.person,
                                   "service_start": start.isoformat(), "days_from_request_to_start": 12}
    got = await status_of(flow)
    assert (got["status"], got["service_start"], got["days_from_request_to_start"]) == ("active", start.isoformat(), 12)
    assert got["history"][-1]["action"] == "activate" and got["history"][-1]["actor_role"] == "brokerage_officer"
    assert await days_observed(http, stack, "council_arranged") == (count_before + 1, sum_before + 12)


async def test_an_agreed_direct_payment_activates_its_approved_request(http, stack, producer):
    flow = Flow(http, stack["requests"])
    await flow.reach("budget_agreed")
    await flow.step("mechanism", "person", {"mechanism": "direct_payment", "nominee": "council"})
    approved = (await flow.step("approve", "brokerage_officer")).json()
    start = date.fromisoformat(approved["submitted_on"]) + timedelta(days=3)
    await send(producer, as_published(direct_payment_agreed(flow.request_id, flow.person, start)))
    got = await eventually(lambda: _active(flow), what="the request to become active")
    assert got["days_from_request_to_start"] == 3


async def test_the_same_activation_delivered_twice_activates_once(http, stack, tail, producer):
    flow = Flow(http, stack["requests"])
    await flow.reach("approved")
    envelope = as_published(agreement_activated(flow.request_id, flow.person, date.today() + timedelta(days=7)))
    activated = event_of(flow.request_id, "RequestActivated")
    async with tail("requests.events") as events:
        await send(producer, envelope)
        await send(producer, envelope)
        await events.wait_for(activated)
        await asyncio.sleep(1.5)
    assert len([r for r in events.seen if activated(r)]) == 1
    assert [h["action"] for h in (await status_of(flow))["history"]].count("activate") == 1


async def test_a_second_arrangement_does_not_move_the_start_of_an_active_request(http, stack, producer):
    flow = Flow(http, stack["requests"])
    await flow.reach("approved")
    first = date.today() + timedelta(days=5)
    await send(producer, as_published(agreement_activated(flow.request_id, flow.person, first)))
    await eventually(lambda: _active(flow), what="the request to become active")
    await _processed_after(http, stack, producer, flow, agreement_activated(flow.request_id, flow.person,
                                                                            first + timedelta(days=30)))
    assert (await status_of(flow))["service_start"] == first.isoformat()


async def test_an_arrangement_for_a_request_not_yet_approved_leaves_it_alone(http, stack, producer):
    flow = Flow(http, stack["requests"])
    await flow.reach("mechanism_chosen")
    await _processed_after(http, stack, producer, flow, agreement_activated(flow.request_id, flow.person,
                                                                            date.today()))
    assert (await status_of(flow))["status"] == "mechanism_chosen"


async def test_an_arrangement_naming_another_person_does_not_activate_the_request(http, stack, producer):
    flow = Flow(http, stack["requests"])
    await flow.reach("approved")
    await _processed_after(http, stack, producer, flow, agreement_activated(flow.request_id, "P-SOMEONE-ELSE",
                                                                            date.today()))
    assert (await status_of(flow))["status"] == "approved"


async def _active(flow: Flow):
    got = await status_of(flow)
    return got if got["status"] == "active" else None


async def _processed_after(http, stack, producer, flow: Flow, event) -> None:
    """Send `event`, then activate a fresh marker request and wait until it is active. The two are
    keyed differently (no order across partitions), so the marker is sent to `event`'s partition, behind it."""
    sent = await send(producer, as_published(event))
    marker = Flow(http, stack["requests"])
    await marker.reach("approved")
    await send(producer, as_published(agreement_activated(marker.request_id, marker.person, date.today())),
               partition=sent.partition)
    await eventually(lambda: _active(marker), what="the marker request to become active")
