"""Bad input answers 422 naming the field and the rule; a step out of order answers 409; neither changes anything."""
from __future__ import annotations

import asyncio

import pytest

from tests.integration.requests.request_flow import Flow, event_of

pytestmark = pytest.mark.stack


def field_and_rule(resp) -> tuple[str, str]:
    [error] = resp.json()["errors"]
    return error["loc"][-1], error["msg"]


async def test_a_negative_budget_is_422_naming_the_field(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("assessed")
    resp = await flow.step("budget", "social_worker", {"weekly_budget_pence": -100})
    assert resp.status_code == 422
    assert field_and_rule(resp) == ("weekly_budget_pence", "Input should be greater than or equal to 0")


async def test_a_contribution_above_the_budget_is_422_naming_the_contribution(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("assessed")
    resp = await flow.step("budget", "social_worker", {"weekly_budget_pence": 10_000,
                                                       "weekly_contribution_pence": 12_000})
    assert field_and_rule(resp) == ("weekly_contribution_pence", "must not exceed weekly_budget_pence (10000)")


async def test_pounds_as_a_decimal_are_422_money_is_whole_pence(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("assessed")
    resp = await flow.step("budget", "social_worker", {"weekly_budget_pence": 450.50})
    assert resp.status_code == 422 and field_and_rule(resp)[0] == "weekly_budget_pence"


async def test_a_direct_payment_without_a_nominee_is_422_naming_the_nominee(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("budget_agreed")
    resp = await flow.step("mechanism", "person", {"mechanism": "direct_payment"})
    assert resp.status_code == 422
    field, rule = field_and_rule(resp)
    assert field == "nominee" and rule.startswith("required for direct_payment")


async def test_a_nominee_for_a_council_arranged_service_is_422(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("budget_agreed")
    resp = await flow.step("mechanism", "social_worker", {"mechanism": "council_arranged", "nominee": "person"})
    assert field_and_rule(resp)[0] == "nominee"


async def test_cancelling_without_a_reason_is_422_naming_the_reason(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    resp = await flow.step("cancel", "social_worker", {"reason": "  "})
    assert resp.status_code == 422 and field_and_rule(resp)[0] == "reason"


async def test_an_unknown_field_is_422_naming_it(http, stack):
    flow = Flow(http, stack["requests"])
    resp = await flow.submit(date_of_birth="1940-01-01")
    assert resp.status_code == 422 and field_and_rule(resp)[0] == "date_of_birth"


async def test_approving_before_a_mechanism_is_chosen_is_409_saying_the_state_and_what_is_allowed(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("budget_agreed")
    resp = await flow.step("approve", "brokerage_officer")
    assert resp.status_code == 409
    assert resp.json()["detail"] == (f"request {flow.request_id} is budget_agreed, so it cannot be approved;"
                                     " from budget_agreed it can be given a payment mechanism, cancelled")


async def test_a_cancelled_request_is_409_for_every_step(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    await flow.step("cancel", "social_worker", {"reason": "entered twice"})
    resp = await flow.step("assess", "social_worker", {"eligible": False, "service_type": "day_care"})
    assert resp.status_code == 409 and "which is final" in resp.json()["detail"]


async def test_a_refused_step_changes_nothing_and_publishes_nothing(http, stack, tail):
    flow = Flow(http, stack["requests"])
    await flow.reach("assessed")
    before = (await flow.get()).json()
    async with tail("requests.events") as events:
        await flow.step("budget", "social_worker", {"weekly_budget_pence": 100, "weekly_contribution_pence": 200})
        await flow.step("approve", "brokerage_officer")
        await asyncio.sleep(1.5)
    refused = [event_of(flow.request_id, t) for t in ("BudgetAgreed", "RequestApproved")]
    assert not [r for r in events.seen if any(match(r) for match in refused)]
    assert (await flow.get()).json() == before


async def test_two_officers_approving_at_once_approve_once(http, stack, tail):
    flow = Flow(http, stack["requests"])
    await flow.reach("mechanism_chosen")
    approval = event_of(flow.request_id, "RequestApproved")

    async with tail("requests.events") as events:
        first, second = await asyncio.gather(flow.step("approve", "brokerage_officer"),
                                             flow.step("approve", "brokerage_officer"))
        await events.wait_for(approval)
        await asyncio.sleep(1.5)
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    assert len([r for r in events.seen if approval(r)]) == 1
