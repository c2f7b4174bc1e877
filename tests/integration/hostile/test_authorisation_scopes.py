"""Own against another's data, for the endpoints `authz_matrix` scopes to a provider or a person:
the caller's own reference gets through, anyone else's is refused (403) or not said to exist (404)."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import auth, eventually, unique, url
from tests.integration.delivery.delivery_helpers import Setup
from tests.integration.hostile.authz_matrix import MATRIX

pytestmark = pytest.mark.stack

ME, OTHER = f"PRV-ME-{uuid.uuid4().hex[:8].upper()}", f"PRV-OTHER-{uuid.uuid4().hex[:8].upper()}"
SELF, SOMEONE = f"P-ME-{uuid.uuid4().hex[:8].upper()}", f"P-OTHER-{uuid.uuid4().hex[:8].upper()}"


def _scoped(kind: str) -> list[tuple[str, str]]:
    # Every service names a provider by its provider_id (PRV-…), delivery too (its records carry CQC IDs).
    return [(s, e) for s, rules in MATRIX.items() for e, r in rules.items() if r.scope.startswith(kind)]


# Invoicing reads the body before it checks whose invoices they are: the refusal is shown with a valid
# one (a broken refusal would file an invoice for a made-up provider, nothing worse).
VALID_BODY = {
    "POST /providers/{provider_id}/invoices": {"json": {"invoice_number": "AUTHZ-1", "lines": [{}]}},
    "POST /providers/{provider_id}/invoices/csv": {"files": {"file": (
        "i.csv", b"invoice_number,agreement_ref,service_user_ref,amount,date_from\nAUTHZ-1,A,P,1.00,2026-03-02\n")}},
}


async def _send(http, service: str, endpoint: str, ref: str, headers: dict, *, valid: bool = False):
    method, template = endpoint.split(" ", 1)
    path = template.replace("{provider_id}", ref).replace("{person_ref}", ref)
    body = {"json": "authz-probe"} if method in ("POST", "PUT") else {}
    if valid and endpoint in VALID_BODY:
        body = VALID_BODY[endpoint]
    return await http.request(method, f"{url(service)}{path}", headers=headers, **body)


@pytest.mark.parametrize(("service", "endpoint"), _scoped("provider:path"))
async def test_a_provider_reaches_its_own_path_and_is_refused_anothers(service, endpoint, http):
    headers = auth("provider", provider=ME)
    own = await _send(http, service, endpoint, ME, headers)
    other = await _send(http, service, endpoint, OTHER, headers, valid=True)
    assert own.status_code not in (401, 403) and own.status_code < 500, own.text
    assert other.status_code == 403, other.text


@pytest.mark.parametrize(("service", "endpoint"), _scoped("person:path"))
async def test_a_person_reaches_their_own_path_and_is_refused_anothers(service, endpoint, http):
    headers = auth("person", person=SELF)
    own, other = await _send(http, service, endpoint, SELF, headers), await _send(http, service, endpoint, SOMEONE,
                                                                                   headers)
    assert own.status_code not in (401, 403) and own.status_code < 500, own.text
    assert other.status_code == 403, other.text


@pytest.mark.parametrize(("service", "path", "params", "role"), [
    ("requests", "/requests", {"person_ref": SOMEONE}, "person"),
    ("invoicing", "/invoices", {"provider_id": OTHER}, "provider"),
])
async def test_a_filter_naming_someone_else_is_refused(service, path, params, role, http):
    headers = auth(role, provider=ME if role == "provider" else None, person=SELF if role == "person" else None)
    assert (await http.get(f"{url(service)}{path}", headers=headers)).status_code == 200
    assert (await http.get(f"{url(service)}{path}", params=params, headers=headers)).status_code == 403


async def test_a_person_may_not_request_care_for_someone_else(http):
    body = {"person_ref": SOMEONE, "requested_by": "person", "requested_start": "2026-12-01"}
    refused = await http.post(f"{url('requests')}/requests", json=body, headers=auth("person", person=SELF))
    assert refused.status_code == 403, refused.text


async def test_a_request_is_seen_by_its_person_and_not_said_to_exist_to_another(http):
    person = unique("P-OWN")
    made = await http.post(f"{url('requests')}/requests", headers=auth("person", person=person),
                           json={"person_ref": person, "requested_by": "person", "requested_start": "2026-12-01"})
    assert made.status_code == 201, made.text
    one = f"{url('requests')}/requests/{made.json()['request_id']}"
    assert (await http.get(one, headers=auth("person", person=person))).status_code == 200
    assert (await http.get(one, headers=auth("person", person=SOMEONE))).status_code == 404
    assert (await http.get(one, headers=auth("provider", provider=ME))).status_code == 403


async def test_a_statement_is_for_the_person_and_the_social_worker_allocated_to_them(http):
    person, worker = unique("P-CASE"), f"sw-{uuid.uuid4().hex[:8]}"
    request = {"person_ref": person, "requested_by": "social_worker", "requested_start": "2026-12-01"}
    # Acting on a person grants nothing: without an allocation the worker may not even submit for them.
    refused = await http.post(f"{url('requests')}/requests", headers=auth("social_worker", subject=worker), json=request)
    assert refused.status_code == 403, refused.text
    allocated = await http.put(f"{url('requests')}/people/{person}/allocation", headers=auth("team_manager"),
                               json={"worker_id": worker, "worker_role": "social_worker", "reason": "caseload"})
    assert allocated.status_code == 200, allocated.text
    made = await http.post(f"{url('requests')}/requests", headers=auth("social_worker", subject=worker), json=request)
    assert made.status_code == 201, made.text
    statement = f"{url('reporting')}/people/{person}/statement"

    async def seen_by_their_worker() -> bool:
        return (await http.get(statement, headers=auth("social_worker", subject=worker))).status_code == 200
    await eventually(seen_by_their_worker, timeout=30, what="reporting to learn the person's allocation")
    assert (await http.get(statement, headers=auth("social_worker"))).status_code == 403
    assert (await http.get(statement, headers=auth("person", person=person))).status_code == 200
    assert (await http.get(statement, headers=auth("ops"))).status_code == 403


async def test_delivery_keeps_a_provider_to_its_own_feeds_and_records(http, producer):
    mine, theirs = await Setup(producer).register(), await Setup(producer).register()
    headers = auth("provider", provider=mine.provider_id)
    delivery = url("delivery")

    async def both_known() -> bool:
        found = [await http.get(f"{delivery}/visits/rejected", params={"provider_id": s.provider_id},
                                headers=auth("ops")) for s in (mine, theirs)]
        return all(r.status_code == 200 for r in found)
    await eventually(both_known, timeout=30, what="delivery to know both providers")
    for route in ("visits", "visit-files"):
        own = await http.post(f"{delivery}/providers/{mine.provider_id}/{route}", content=b"[]", headers=headers)
        other = await http.post(f"{delivery}/providers/{theirs.provider_id}/{route}", content=b"[]",
                                headers={**headers, "Content-Type": "text/csv"})
        assert own.status_code not in (401, 403) and own.status_code < 500, own.text
        assert other.status_code == 403, other.text
        assert other.json()["detail"] == (f"not permitted: this provider token is for {mine.provider_id}: it "
                                          f"reaches only {mine.provider_id}'s visits, not {theirs.provider_id}'s")
    for listing in ("rejected", "unallocated"):
        assert (await http.get(f"{delivery}/visits/{listing}", params={"provider_id": mine.provider_id},
                               headers=headers)).status_code == 200
        assert (await http.get(f"{delivery}/visits/{listing}", params={"provider_id": theirs.provider_id},
                               headers=headers)).status_code == 403
