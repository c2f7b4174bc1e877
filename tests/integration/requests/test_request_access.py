"""Who may read and move a request, over HTTP: a person only their own; each step only its roles."""
from __future__ import annotations

import pytest

from tests.conftest import auth, unique
from tests.integration.requests.request_flow import Flow

pytestmark = pytest.mark.stack


async def test_a_person_token_cannot_see_someone_elses_request_and_learns_nothing_from_trying(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    other = auth("person", person=unique("P"))
    resp = await http.get(f"{stack['requests']}/requests/{flow.request_id}", headers=other)
    missing = await http.get(f"{stack['requests']}/requests/REQ-DOESNOTEXIST", headers=other)
    assert (resp.status_code, resp.json()["detail"], resp.json()["code"]) == (
        404, f"request {flow.request_id} not found", "not_found")
    assert missing.status_code == 404


async def test_a_person_token_sees_its_own_request_with_its_personal_details(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    resp = await flow.get("person")
    assert resp.status_code == 200 and resp.json()["personal_details"]["name"].startswith("Ada Testperson")


async def test_a_person_token_cannot_move_someone_elses_request(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("budget_agreed")
    resp = await http.post(f"{stack['requests']}/requests/{flow.request_id}/cancel",
                           headers=auth("person", person=unique("P")), json={"reason": "not mine"})
    assert resp.status_code == 404
    assert (await flow.get()).json()["status"] == "budget_agreed"


async def test_a_person_cannot_submit_or_list_for_another_person(http, stack):
    flow = Flow(http, stack["requests"])
    me = auth("person", person=unique("P"))
    submitted = await http.post(f"{stack['requests']}/requests", headers=me, json={
        "person_ref": flow.person, "requested_by": "person", "requested_start": "2027-01-04"})
    listed = await http.get(f"{stack['requests']}/requests", params={"person_ref": flow.person}, headers=me)
    assert (submitted.status_code, listed.status_code) == (403, 403)


async def test_a_person_lists_their_own_requests_by_default(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    await Flow(http, stack["requests"]).reach("submitted")  # someone else's
    resp = await http.get(f"{stack['requests']}/requests", headers=flow.as_("person"))
    assert [r["request_id"] for r in resp.json()] == [flow.request_id]


async def test_officers_list_their_allocated_peoples_requests_by_status_as_a_work_queue(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("mechanism_chosen")
    other = Flow(http, stack["requests"])
    await other.reach("mechanism_chosen")  # another person, allocated to another brokerage officer
    resp = await http.get(f"{stack['requests']}/requests", params={"status": "mechanism_chosen", "limit": 500},
                          headers=flow.as_("brokerage_officer"))
    assert resp.status_code == 200
    assert flow.request_id in [r["request_id"] for r in resp.json()]
    assert other.request_id not in [r["request_id"] for r in resp.json()]  # not allocated to them: left out
    assert {r["status"] for r in resp.json()} == {"mechanism_chosen"}
    assert "personal_details" not in resp.json()[0]


@pytest.mark.parametrize("route,role", [("assess", "person"), ("assess", "brokerage_officer"),
                                        ("approve", "social_worker"), ("approve", "person"),
                                        ("close", "social_worker"), ("budget", "finance_officer")])
async def test_a_role_that_may_not_take_a_step_gets_403_naming_who_may(http, stack, route, role):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    resp = await flow.step(route, role, {"reason": "trying"})
    assert resp.status_code == 403 and "needs one of" in resp.json()["detail"]


async def test_a_provider_token_cannot_read_requests(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    assert (await flow.get("provider", provider="PRV-1A2B3C4D5E")).status_code == 403


async def test_a_social_worker_not_allocated_to_the_person_gets_403_and_submitting_grants_nothing(http, stack):
    flow = Flow(http, stack["requests"])
    await flow.reach("submitted")
    stranger = auth("social_worker")
    assert (await http.get(f"{stack['requests']}/requests/{flow.request_id}", headers=stranger)).status_code == 403
    listed = await http.get(f"{stack['requests']}/requests", params={"person_ref": flow.person}, headers=stranger)
    assert (listed.status_code, listed.json()) == (200, [])
    refused = await http.post(f"{stack['requests']}/requests", headers=stranger, json={
        "person_ref": flow.person, "requested_by": "social_worker", "requested_start": "2030-01-01"})
    assert refused.status_code == 403
    assert (await http.get(f"{stack['requests']}/requests/{flow.request_id}", headers=stranger)).status_code == 403
