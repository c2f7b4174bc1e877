"""The queries API in process against Postgres alone: lists a page at a time (Link rel=next, filters kept,
no query twice or missed), cursors it did not give out refused on query.after, a subject it has not heard
of 404 on body.subject_id, and each outcome's shape checked before the query is looked at."""
from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from contracts.queries import QueryCategory, SubjectKind
from services.queries import store
from services.queries.app import app
from services.queries.domain.lifecycle import assign
from services.queries.domain.query import Assignment
from shared.clock import utcnow
from shared.testing import DatabaseOnly
from tests.unit.queries.query_builders import INVOICE, OFFICER, PERSON, PROVIDER, raised

pytestmark = pytest.mark.db


@pytest.fixture
async def api():
    async with DatabaseOnly("queries") as db, db.http(app) as client:
        yield db, client


async def _seeded(db, n: int, **kw) -> list[str]:
    """`n` queries raised an hour apart over the last days (the newest last), team east; their ids."""
    start = utcnow() - timedelta(days=3)
    ids = []
    async with db.pool.acquire() as conn, conn.transaction():
        for i in range(n):
            who = kw.get("by", PERSON).role.value
            query = replace(raised(at=start + timedelta(hours=i), **kw), query_id=f"QRY-{who}-{i:03d}")
            query = assign(query, OFFICER, query.raised_at, Assignment(team="east")).query
            await store.queries.save(conn, query)
            ids.append(query.query_id)
    return ids


async def _pages(client: httpx.AsyncClient, url: str, headers: dict, params: dict) -> list[list[str]]:
    """The query_ids of each page, following Link rel=next from the first."""
    pages, response = [], await client.get(url, headers=headers, params=params)
    while True:
        assert response.status_code == 200, response.text
        pages.append([q["query_id"] for q in response.json()])
        link = response.headers.get("link")
        if not link:
            return pages
        assert link.endswith('>; rel="next"')
        response = await client.get(link[1:link.index(">")], headers=headers)


async def test_an_officers_list_comes_a_page_at_a_time_with_its_filters_kept(api):
    db, client = api
    ids = await _seeded(db, 5)
    officer = db.auth("finance_officer")
    pages = await _pages(client, "/queries", officer, {"limit": 2, "team": "east", "order": "oldest_first"})
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]  # each once, in order: no overlap, no gap
    newest = await _pages(client, "/queries", officer, {"limit": 3, "order": "newest_first"})
    assert newest == [ids[::-1][0:3], ids[::-1][3:5]]
    urgent = await _pages(client, "/queries", officer, {"limit": 2})  # most_urgent, the officers' default
    assert sorted(sum(urgent, [])) == ids and len(urgent) == 3
    assert await _pages(client, "/queries", officer, {"limit": 2, "team": "west"}) == [[]]


async def test_a_provider_pages_through_only_what_its_side_raised_newest_first(api):
    db, client = api
    theirs = await _seeded(db, 3, subject=INVOICE, by=PROVIDER, category=QueryCategory.WRONG_CHARGE)
    await _seeded(db, 2)  # raised by a person: not the provider's to see
    provider = db.auth("provider", provider=PROVIDER.provider_id)
    assert await _pages(client, "/queries", provider, {"limit": 2}) == [theirs[::-1][0:2], theirs[::-1][2:3]]
    by_subject = await _pages(client, "/queries", provider, {"subject_kind": "invoice", "subject_id": "INV-1"})
    assert by_subject == [theirs[::-1]]


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("after, order", [
    ("not a cursor!", "newest_first"),
    (_cursor(["2026-01-01T00:00:00+00:00", "QRY-1"]), "newest_first"),  # one value short
    (_cursor([None, "2026-01-01T00:00:00+00:00", "QRY-1"]), "oldest_first"),  # the instant missing
    ("STALE", "newest_first"),  # judged more than a week ago
    ("URGENT", "newest_first"),  # a most_urgent cursor for another order
    ("BIG", "most_urgent"),  # urgency out of range
    ("ANCIENT", "oldest_first"),  # a time Postgres cannot take
])
async def test_a_cursor_the_list_did_not_give_out_is_422_on_query_after(api, after, order):
    db, client = api
    now = utcnow()
    after = {"STALE": _cursor([(now - timedelta(days=8)).isoformat(), now.isoformat(), "QRY-1"]),
             "URGENT": _cursor([now.isoformat(), 0, 1, now.isoformat(), now.isoformat(), "QRY-1"]),
             "BIG": _cursor([now.isoformat(), 2 ** 40, 1, now.isoformat(), now.isoformat(), "QRY-1"]),
             "ANCIENT": _cursor([now.isoformat(), "0001-01-01T00:00:00+14:00", "QRY-1"])}.get(after, after)
    response = await client.get("/queries", headers=db.auth("finance_officer"), params={"after": after, "order": order})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["query.after"]


async def test_a_subject_queries_has_not_heard_of_is_404_naming_the_field_and_a_known_one_is_raised(api):
    db, client = api
    provider = db.auth("provider", provider="PRV-1")
    body = {"subject_kind": "invoice", "subject_id": "INV-404", "category": "late_payment", "description": "Late?"}
    unknown = await client.post("/queries", headers=provider, json=body)
    assert unknown.status_code == 404, unknown.text
    problem = unknown.json()
    assert problem["code"] == "subject_not_found" and problem["errors"][0]["field"] == "body.subject_id"
    assert "no invoice INV-404 is known to queries" in problem["detail"]

    async with db.pool.acquire() as conn:
        await store.subjects.record(conn, SubjectKind.INVOICE, "INV-404", provider_id="PRV-1")
    known = await client.post("/queries", headers=provider, json=body)
    assert known.status_code == 201, known.text
    assert known.json()["status"] == "open" and known.json()["raised_by_role"] == "provider"


@pytest.mark.parametrize("path, body, field", [
    ("resolve", {"outcome": {"kind": "credit_note"}, "summary": "Refund."}, "body.outcome.credit_note.amount_pence"),
    ("resolve", {"outcome": {"kind": "no_change"}, "summary": "   "}, "body.summary"),
    ("assign", {}, "body"),
    ("assign", {"team": None}, "body"),
    ("rate", {"rating": 6}, "body.rating"),
])
async def test_what_a_step_needs_is_checked_from_its_shape_before_the_query_is_looked_at(api, path, body, field):
    db, client = api
    response = await client.post(f"/queries/QRY-NONE/{path}", headers=db.auth("finance_officer"), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    missing = await client.post("/queries/QRY-NONE/acknowledge", headers=db.auth("finance_officer"))
    assert missing.status_code == 404 and missing.json()["code"] == "query_not_found"
