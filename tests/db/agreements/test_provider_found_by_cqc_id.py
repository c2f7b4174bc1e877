"""A provider's id found from its CQC provider or location ID: `GET /providers?cqc_provider_id=` (or
`?cqc_location_id=`) answers the matching providers in the same shape as every provider read; officers
search the whole register, a provider token finds only itself."""
from __future__ import annotations

import pytest

from services.agreements.app import app
from shared.testing import DatabaseOnly

pytestmark = pytest.mark.db

ACCOUNT = {"sort_code": "20-00-00", "account_number": "11111111", "account_name": "CARE CO LTD"}


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def _register(client, db, name: str, cqc: str, locations: list[str]) -> dict:
    made = await client.post("/providers", headers=db.auth("finance_officer"), json={
        "name": name, "cqc_provider_id": cqc, "cqc_location_ids": locations, "service_types": ["home_care"],
        "bank_account": ACCOUNT, "self_billing": {"in_place": False}})
    assert made.status_code == 201, made.text
    return made.json()


def _problem_fields(resp) -> list:
    """Where a 422 says the input was wrong (FastAPI's `detail` list, or a problem's `errors`)."""
    body = resp.json()
    return [e["loc"] for e in body.get("errors", body.get("detail"))]


async def test_a_provider_is_found_by_its_cqc_provider_or_location_id(db):
    broker = db.auth("brokerage_officer")
    async with db.http(app) as client:
        first = await _register(client, db, "First Care", "1-101000001", ["1-101000011", "1-101000012"])
        second = await _register(client, db, "Second Care", "1-102000002", [])
        assert first["provider_id"].startswith("PRV-")

        found = await client.get("/providers", params={"cqc_provider_id": "1-101000001"}, headers=broker)
        assert found.status_code == 200, found.text
        one = await client.get(f"/providers/{first['provider_id']}", headers=broker)
        assert found.json() == [one.json()]  # the same item as reading the provider itself
        by_location = await client.get("/providers", params={"cqc_location_id": "1-101000012"}, headers=broker)
        assert [p["provider_id"] for p in by_location.json()] == [first["provider_id"]]
        assert (await client.get("/providers", params={"cqc_provider_id": "1-102000002"}, headers=broker)
                ).json()[0]["provider_id"] == second["provider_id"]
        # A location ID is not a provider ID, nothing registered is an empty list, and both filters must agree.
        for params in ({"cqc_provider_id": "1-101000012"}, {"cqc_provider_id": "1-109999999"},
                       {"cqc_provider_id": "1-101000001", "cqc_location_id": "1-102000002"}):
            listed = await client.get("/providers", params=params, headers=broker)
            assert listed.status_code == 200 and listed.json() == [], (params, listed.text)
        assert len((await client.get("/providers", headers=broker)).json()) == 2

        malformed = await client.get("/providers", params={"cqc_provider_id": "PRV-1A2B3C4D5E"}, headers=broker)
        assert malformed.status_code == 422
        assert _problem_fields(malformed) == [["query", "cqc_provider_id"]]


async def test_a_provider_token_finds_only_itself(db):
    async with db.http(app) as client:
        mine = await _register(client, db, "Mine Care", "1-103000003", [])
        theirs = await _register(client, db, "Their Care", "1-104000004", [])
        me = db.auth("provider", provider=mine["provider_id"])

        listed = await client.get("/providers", headers=me)
        assert [p["provider_id"] for p in listed.json()] == [mine["provider_id"]]
        found = await client.get("/providers", params={"cqc_provider_id": "1-103000003"}, headers=me)
        assert [p["provider_id"] for p in found.json()] == [mine["provider_id"]]
        assert found.json()[0]["bank_details"] is None  # bank details are for finance roles only
        assert (await client.get("/providers", params={"cqc_provider_id": "1-104000004"}, headers=me)).json() == []

        other = await client.get(f"/providers/{theirs['provider_id']}", headers=me)
        assert other.status_code == 403
        assert other.json()["detail"] == (f"not permitted: this provider token is for {mine['provider_id']}: it "
                                          f"reaches only {mine['provider_id']}'s register entry, not "
                                          f"{theirs['provider_id']}'s")
        assert (await client.get("/providers", headers=db.auth("person", person="P-1"))).status_code == 403
