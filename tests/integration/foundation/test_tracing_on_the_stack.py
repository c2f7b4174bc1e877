"""One trace from HTTP through Kafka and a consumer, on the running stack: a request for service posted with a
W3C `traceparent` publishes its events in that trace (the Kafka header `traceparent` and the envelope's agree),
and the event a consumer writes from one of them goes on in the same trace: an agreement activated in the
trace (agreements.events) makes the requests service's consumer write RequestActivated (requests.events) in it."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import auth, envelope_of, eventually, unique
from tests.integration.agreements.brokerage_helpers import (DAILY_HOUR_AT_NINE, START, drafts_for, event_of,
                                                            publish_hourly_card, register_provider)

pytestmark = pytest.mark.stack


def trace_id(traceparent: str | bytes | None) -> str | None:
    """The trace id of a traceparent (version-traceid-parentid-flags)."""
    if isinstance(traceparent, bytes):
        traceparent = traceparent.decode()
    return traceparent.split("-")[1] if traceparent else None


def header(record, name: str) -> bytes | None:
    return dict(record.headers).get(name)


def in_trace(record, trace: str) -> None:
    """The record's Kafka header and its envelope both name `trace`."""
    envelope = envelope_of(record)
    assert trace_id(header(record, "traceparent")) == trace, dict(record.headers)
    assert trace_id(envelope["traceparent"]) == trace, envelope["traceparent"]


async def test_a_requests_trace_reaches_its_events_and_goes_on_through_a_consumer_into_the_event_it_writes(
        http, stack, tail):
    trace = uuid.uuid4().hex  # this test's own trace: nothing else on the topics is in it
    traced = {"traceparent": f"00-{trace}-{uuid.uuid4().hex[:16]}-01"}
    requests_base, agreements_base = stack["requests"], stack["agreements"]
    provider = await register_provider(http, agreements_base)
    card = await publish_hourly_card(http, agreements_base, provider["provider_id"], 2400)
    person = unique("P")
    workers = {role: f"test-{role}-{person}" for role in ("social_worker", "brokerage_officer")}
    for role, worker_id in workers.items():
        resp = await http.put(f"{requests_base}/people/{person}/allocation", headers=auth("team_manager"),
                              json={"worker_id": worker_id, "worker_role": role, "reason": "caseload"})
        assert resp.status_code == 200, resp.text

    def as_(role: str) -> dict[str, str]:
        return {**auth(role, subject=workers[role]), **traced}

    async with tail("requests.events") as requests_events:
        resp = await http.post(f"{requests_base}/requests", headers=as_("social_worker"),
                               json={"person_ref": person, "requested_by": "social_worker",
                                     "requested_start": START.isoformat(), "needs": ["help washing"]})
        assert resp.status_code == 201, resp.text
        assert trace_id(resp.headers["traceparent"]) == trace  # the answer names the trace too
        request_id = resp.json()["request_id"]
        [submitted] = await requests_events.wait_for(event_of("ServiceRequested", request_id))
    in_trace(submitted, trace)

    steps = [("assess", "social_worker", {"eligible": True, "service_type": "home_care", "needs": ["help washing"],
                                          "outcomes": ["stay at home"]}),
             ("budget", "social_worker", {"weekly_budget_pence": 30_000, "weekly_contribution_pence": 0}),
             ("mechanism", "social_worker", {"mechanism": "council_arranged",
                                             "preferred_provider_id": provider["provider_id"]}),
             ("approve", "brokerage_officer", {"reason": "panel agreed"})]
    for route, role, body in steps:
        resp = await http.post(f"{requests_base}/requests/{request_id}/{route}", headers=as_(role), json=body)
        assert resp.status_code == 200, f"{route}: {resp.text}"

    [draft] = await eventually(lambda: drafts_for(http, agreements_base, request_id),
                               what="agreements to draft the approved request")
    completed = await http.put(f"{agreements_base}/agreements/{draft['agreement_id']}",
                               headers={**auth("brokerage_officer"), **traced},
                               json={"provider_id": provider["provider_id"], "payment_basis": "actuals",
                                     "cycle": "weekly", "start": START.isoformat(),
                                     "rate_card_id": card["rate_card_id"], "schedule": DAILY_HOUR_AT_NINE})
    assert completed.status_code == 200, completed.text
    async with tail("agreements.events") as agreements_events, tail("requests.events") as requests_events:
        activated = await http.post(f"{agreements_base}/agreements/{draft['agreement_id']}/activate",
                                    headers={**auth("brokerage_officer"), **traced})
        assert activated.status_code == 200, activated.text
        [agreement] = await agreements_events.wait_for(event_of("AgreementActivated", draft["agreement_id"]))
        # Written by the requests service's consumer of agreements.events, from AgreementActivated alone.
        [followed] = await requests_events.wait_for(event_of("RequestActivated", request_id), timeout=30)
    in_trace(agreement, trace)
    in_trace(followed, trace)
    assert envelope_of(followed)["causation_id"] == envelope_of(agreement)["event_id"]
    assert envelope_of(followed)["producer"] == "requests"
