"""Each step of a request, through HTTP, publishes exactly its event, keyed by the request, with no personal data."""
from __future__ import annotations

import asyncio

import pytest

from shared.stack import Instance
from tests.conftest import envelope_of
from tests.integration.requests.request_flow import STEPS, WORKERS, Flow, event_of, personal_data

pytestmark = pytest.mark.stack


def of(flow: Flow):
    return lambda record: record.key == flow.request_id.encode()


async def test_every_step_publishes_exactly_its_event_keyed_by_the_request_with_actor_and_reason(http, stack, tail):
    flow = Flow(http, stack["requests"])
    async with tail("requests.events") as events:
        assert (await flow.submit()).status_code == 201
        for route, role, body in STEPS:
            # A worker acts as the one the person is allocated to; the person under any subject.
            resp = await flow.step(route, role, body, **({} if role in WORKERS else {"subject": f"u-{route}"}))
            assert resp.status_code == 200, resp.text
        cancelled = await flow.step("cancel", "person", {"reason": "moving to live with my daughter"},
                                    subject="u-cancel")
        assert cancelled.status_code == 200, cancelled.text
        await events.wait_for(of(flow), count=6)
        await asyncio.sleep(1.5)  # an extra event, if there were one, would have arrived by now
    records = [r for r in events.seen if of(flow)(r)]
    envelopes = [envelope_of(r) for r in records]
    assert [e["event_type"] for e in envelopes] == ["ServiceRequested", "RequestAssessed", "BudgetAgreed",
                                                    "MechanismChosen", "RequestApproved", "RequestCancelled"]
    for record, envelope in zip(records, envelopes):
        assert envelope["aggregate_id"] == flow.request_id
        assert envelope["payload"]["person_ref"] == flow.person
        assert dict(record.headers)["event_type"].decode() == envelope["event_type"]
    assert [(e["actor"]["id"], e["actor"]["reason"]) for e in envelopes[1:]] == [
        (flow.worker("social_worker"), "assessed at home"), (flow.worker("social_worker"), "panel agreed"),
        ("u-mechanism", None), (flow.worker("brokerage_officer"), "within budget"),
        ("u-cancel", "moving to live with my daughter")]
    approved = envelopes[4]["payload"]
    assert (approved["weekly_budget_pence"], approved["weekly_contribution_pence"]) == (45_000, 5_000)
    assert approved["preferred_provider_id"] == "PRV-1A2B3C4D5E"


async def test_no_event_and_no_log_line_carries_personal_details_or_assessment_text(http, stack, tail):
    flow = Flow(http, stack["requests"])
    async with tail("requests.events") as events:
        await flow.reach("approved")
        records = await events.wait_for(of(flow), count=5)
    private = personal_data(flow.tag)
    for record in records:
        wire = record.value.decode() + "".join(v.decode() for _, v in record.headers)
        assert not [p for p in private if p in wire], envelope_of(record)["event_type"]
    log = Instance("requests").log_file.read_text(errors="replace")
    assert not [p for p in private if p in log]
    # ...while the service itself holds them, for the people allowed to read them.
    got = (await flow.get()).json()
    assert got["personal_details"]["name"] == private[0]
    assert got["assessment"]["needs"] == [private[3]]


async def test_the_history_records_every_step_with_its_actor_reason_and_states(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("budget_agreed")
    resp = await flow.step("cancel", "brokerage_officer", {"reason": "duplicate of another request"})
    history = resp.json()["history"]
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("submit", None, "submitted"), ("assess", "submitted", "assessed"),
        ("agree_budget", "assessed", "budget_agreed"), ("cancel", "budget_agreed", "cancelled")]
    assert (history[-1]["actor_id"], history[-1]["actor_role"], history[-1]["reason"]) == (
        flow.worker("brokerage_officer"), "brokerage_officer", "duplicate of another request")
    assert history[-1]["details"] == {"reason": "duplicate of another request"}


async def test_a_change_of_mechanism_after_approval_names_the_previous_one_and_needs_approval_again(
        http, stack, tail):
    flow = Flow(http, stack["requests"])
    await flow.reach("approved")
    async with tail("requests.events") as events:
        resp = await flow.step("mechanism", "person", {"mechanism": "direct_payment", "nominee": "council",
                                                       "reason": "I want the council to manage my account"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "mechanism_chosen"
        [record] = await events.wait_for(event_of(flow.request_id, "MechanismChosen"))
    payload = envelope_of(record)["payload"]
    assert (payload["mechanism"], payload["nominee"], payload["previous_mechanism"]) == (
        "direct_payment", "council", "council_arranged")
    assert (await flow.step("approve", "brokerage_officer")).json()["status"] == "approved"
