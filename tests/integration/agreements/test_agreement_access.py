"""A provider token sees only its own agreements; a person token only their own."""
from __future__ import annotations

import pytest

from tests.conftest import auth, unique
from tests.integration.agreements.brokerage_helpers import draft_and_activate, register_provider

pytestmark = pytest.mark.stack


async def test_provider_and_person_tokens_see_only_their_own_agreements(http, stack):
    base = stack["agreements"]
    mine, theirs = [(await register_provider(http, base))["provider_id"] for _ in range(2)]
    me, someone_else = unique("P"), unique("P")
    mine_resp = await draft_and_activate(http, base, me, mine)
    theirs_resp = await draft_and_activate(http, base, someone_else, theirs)
    assert mine_resp.status_code == theirs_resp.status_code == 200
    my_agreement, their_agreement = mine_resp.json()["agreement_id"], theirs_resp.json()["agreement_id"]

    as_provider = auth("provider", provider=mine)
    listed = await http.get(f"{base}/agreements", params={"provider_id": theirs}, headers=as_provider)
    assert [a["agreement_id"] for a in listed.json()] == [my_agreement]  # its own, whatever it asked for
    assert (await http.get(f"{base}/agreements/{my_agreement}", headers=as_provider)).status_code == 200
    assert (await http.get(f"{base}/agreements/{their_agreement}", headers=as_provider)).status_code == 404
    assert (await http.get(f"{base}/providers/{theirs}", headers=as_provider)).status_code == 403
    assert (await http.get(f"{base}/providers/{theirs}/rate-cards", headers=as_provider)).status_code == 403

    as_person = auth("person", person=me)
    listed = await http.get(f"{base}/agreements", params={"person_ref": someone_else}, headers=as_person)
    assert [a["agreement_id"] for a in listed.json()] == [my_agreement]
    assert (await http.get(f"{base}/agreements/{their_agreement}", headers=as_person)).status_code == 404
    assert (await http.get(f"{base}/people/{me}/commitments", headers=as_person)).status_code == 200
    assert (await http.get(f"{base}/people/{someone_else}/commitments", headers=as_person)).status_code == 403


async def test_providers_and_people_cannot_change_agreements(http, stack):
    base = stack["agreements"]
    pid = (await register_provider(http, base))["provider_id"]
    person = unique("P")
    agreement_id = (await draft_and_activate(http, base, person, pid)).json()["agreement_id"]
    for headers in (auth("provider", provider=pid), auth("person", person=person)):
        resp = await http.post(f"{base}/agreements/{agreement_id}/end", headers=headers,
                               json={"end": "2027-02-01", "reason": "other"})
        assert resp.status_code == 403
