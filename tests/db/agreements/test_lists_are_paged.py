"""Every list of the agreements service is paged one way (shared.pagination): `limit`, then the `after` of the
`Link: <…>; rel="next"` header, until a page comes without one. Walked two at a time, each list gives every
item once, in its order, with no gap and no overlap, and the next link keeps the list's filters. Through the
HTTP API against Postgres alone."""
from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from services.agreements.app import app
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import (BROKER, START, TODAY, agreed_direct_payment, home_care, person,
                                         provider)
from tests.db.agreements.pa_helpers import direct_payment, pa_body

pytestmark = pytest.mark.db

NEXT = re.compile(r'<([^>]+)>; rel="next"')


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def walk(client: httpx.AsyncClient, path: str, headers: dict, **params: str) -> list[list[dict]]:
    """Every page of a list, two items a page, following each next link as given."""
    pages, url, query = [], path, {**params, "limit": 2}  # then the next link, as it is
    while True:
        resp = await client.get(url, params=query, headers=headers)
        assert resp.status_code == 200, resp.text
        pages.append(resp.json())
        assert len(pages[-1]) <= 2
        link = resp.headers.get("link")
        if link is None:
            return pages
        assert len(pages[-1]) == 2, "a next link only after a full page"
        [url] = NEXT.findall(link)
        query = None
        for name, value in params.items():
            assert f"{name}={value}" in url, f"the next link keeps {name}"


def items(pages: list[list[dict]], key: str) -> list[str]:
    flat = [item[key] for page in pages for item in page]
    assert len(flat) == len(set(flat)), "no item on two pages"
    return flat


async def _agreement(client, db, prv: str, who: str) -> str:
    resp = await client.post("/agreements", headers=db.auth("brokerage_officer", subject=BROKER),
                             json={"person_ref": who, "service_type": "home_care", **home_care(prv)})
    assert resp.status_code == 201, resp.text
    return resp.json()["agreement_id"]


async def test_providers_and_their_rate_cards_page_in_order(db):
    officer = db.auth("finance_officer")
    async with db.http(app) as client:
        made = [await provider(db, client) for _ in range(3)]
        names = {p["provider_id"]: p["name"] for p in (await client.get("/providers", headers=officer)).json()}
        pages = await walk(client, "/providers", officer, service_type="home_care")
        assert [len(p) for p in pages] == [2, 1]
        assert items(pages, "provider_id") == sorted(made, key=lambda p: (names[p], p))

        prv = made[0]
        for n in range(3):  # one a year, each closed when the next begins
            resp = await client.post(f"/providers/{prv}/rate-cards", headers=officer, json={
                "service_type": "home_care", "effective_from": (START + timedelta(days=366 * n)).isoformat(),
                "rates": [{"unit": "hour", "amount_pence": 2400 + n}]})
            assert resp.status_code == 201, resp.text
        cards = await walk(client, f"/providers/{prv}/rate-cards", officer)
        assert [c["effective_from"] for page in cards for c in page] == [
            (START + timedelta(days=366 * n)).isoformat() for n in range(3)]
        assert len(set(items(cards, "rate_card_id"))) == 3


async def test_agreements_their_history_and_a_shortlist_page_in_order(db):
    broker = db.auth("brokerage_officer", subject=BROKER)
    async with db.http(app) as client:
        prv, other = await provider(db, client), await provider(db, client)
        made = [await _agreement(client, db, prv, person()) for _ in range(3)]
        await _agreement(client, db, other, person())
        pages = await walk(client, "/agreements", broker, provider_id=prv)
        assert items(pages, "agreement_id") == made  # oldest first, only the filter's
        assert len(items(await walk(client, "/agreements", broker), "agreement_id")) == 4

        first = made[0]
        assert (await client.post(f"/agreements/{first}/activate", headers=broker)).status_code == 200
        assert (await client.post(f"/agreements/{first}/end", headers=broker, json={
            "end": (START + timedelta(days=60)).isoformat(), "reason": "other"})).status_code == 200
        history = await walk(client, f"/agreements/{first}/history", broker)
        assert [a["action"] for page in history for a in page] == ["drafted", "activated", "ended"]

        card = {"service_type": "home_care", "effective_from": (START - timedelta(days=7)).isoformat()}
        for n, pid in enumerate([prv, other, await provider(db, client)]):
            resp = await client.post(f"/providers/{pid}/rate-cards", headers=broker,
                                     json=card | {"rates": [{"unit": "hour", "amount_pence": 2500 - n}]})
            assert resp.status_code == 201, resp.text
        draft = made[1]
        whole = (await client.get(f"/agreements/{draft}/shortlist", headers=broker)).json()
        shortlist = await walk(client, f"/agreements/{draft}/shortlist", broker)
        assert [len(p) for p in shortlist] == [2, 1]
        assert [e["provider_id"] for page in shortlist for e in page] == [e["provider_id"] for e in whole]
        assert [e["standard_rate_pence"] for e in whole] == [2498, 2499, 2500]  # cheapest first


async def test_direct_payments_their_reviews_variations_and_pas_page_in_order(db):
    async with db.http(app) as client:
        made = [await agreed_direct_payment(db, client, person()) for _ in range(3)]
        officer = db.auth("finance_officer")
        assert items(await walk(client, "/direct-payments", officer), "agreement_id") == made

        reviews = await walk(client, "/direct-payment-reviews", db.auth("team_manager"), status="upcoming",
                             as_of=TODAY.isoformat())
        listed = [(r["next_review_due"], r["agreement_id"]) for page in reviews for r in page]
        assert listed == sorted(listed) and {a for _, a in listed} == set(made)

        dp = made[0]
        worker = db.auth("social_worker", subject="u-sw")
        for n in range(3):
            resp = await client.post(f"/direct-payments/{dp}/variations", headers=worker, json={
                "effective_from": (START + timedelta(days=7 * (n + 1))).isoformat(),
                "weekly_budget_pence": 30_000 + 100 * (n + 1)})
            assert resp.status_code == 201, resp.text
        variations = await walk(client, f"/direct-payments/{dp}/variations", officer)
        assert [v["weekly_budget_pence"] for page in variations for v in page] == [30_100, 30_200, 30_300]

        dp = await direct_payment(db, client, person="P-PAGED")
        for n in range(3):
            resp = await client.post(f"/direct-payments/{dp}/personal-assistants", headers=officer,
                                     json=pa_body(employee_ref=f"EMP-{n}"))
            assert resp.status_code == 201, resp.text
        pas = await walk(client, f"/direct-payments/{dp}/personal-assistants", officer)
        assert [p["employee_ref"] for page in pas for p in page] == ["EMP-0", "EMP-1", "EMP-2"]


async def test_a_cursor_not_of_this_list_is_a_422_naming_after(db):
    broker = db.auth("brokerage_officer", subject=BROKER)
    async with db.http(app) as client:
        prv = await provider(db, client)
        for _ in range(3):
            await _agreement(client, db, prv, person())
        resp = await client.get("/agreements", params={"limit": 1}, headers=broker)
        [after] = re.findall(r"after=([A-Za-z0-9_-]+)", resp.headers["link"])
        # A provider list's cursor (name, id) is not an agreement list's (created_at, id), nor is junk.
        for cursor in ("not-a-cursor!", "W10"):
            bad = await client.get("/agreements", params={"after": cursor}, headers=broker)
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.after", bad.text
        wrong_list = await client.get("/direct-payments", params={"after": after}, headers=broker)
        assert wrong_list.status_code == 200  # the same key types: a cursor only says where a list starts
        # A rate card list's key is (date, id): an agreement list's timestamp is no date.
        cards = await client.get(f"/providers/{prv}/rate-cards", params={"after": after}, headers=broker)
        assert cards.status_code == 422 and cards.json()["errors"][0]["field"] == "query.after", cards.text
