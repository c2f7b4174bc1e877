"""GET /requests a page at a time (shared/pagination.py): newest first on (created_at, request_id), `limit` and
`after`, a Link rel="next" while there are more; following the links returns every request the caller may see
exactly once, ties on the timestamp included, with the filters kept; a cursor that is not this list's is a 422
naming `query.after`. Through the requests service's HTTP API against Postgres alone."""
from __future__ import annotations

from datetime import date

import pytest

from services.requests.app import app
from shared.testing import DatabaseOnly
from tests.conftest import unique

pytestmark = pytest.mark.db
START = date(2026, 11, 30)
SW = "u-sw-pages"


@pytest.fixture
async def db():
    async with DatabaseOnly("requests") as db:
        yield db


async def _submitted(db, client, person_ref: str, count: int) -> list[str]:
    resp = await client.put(f"/people/{person_ref}/allocation", headers=db.auth("team_manager", subject="u-tm"),
                            json={"worker_id": SW, "worker_role": "social_worker"})
    assert resp.status_code == 200, resp.text
    ids = []
    for _ in range(count):
        resp = await client.post("/requests", headers=db.auth("social_worker", subject=SW), json={
            "person_ref": person_ref, "requested_by": "social_worker", "requested_start": START.isoformat()})
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["request_id"])
    return ids


async def _follow(client, url: str, headers: dict) -> list[list[str]]:
    pages = []
    while url:
        resp = await client.get(url, headers=headers)
        assert resp.status_code == 200, resp.text
        pages.append([r["request_id"] for r in resp.json()])
        link = resp.headers.get("link")
        assert link is None or link.endswith('>; rel="next"')
        url = link[1:link.index(">")] if link else None
    return pages


async def test_following_the_next_links_lists_every_request_once_newest_first(db):
    sw = db.auth("social_worker", subject=SW)
    async with db.http(app) as client:
        first_person, second_person = unique("P-PAGE"), unique("P-PAGE")
        ids = await _submitted(db, client, first_person, 4) + await _submitted(db, client, second_person, 3)
        # Two requests at the same instant: the id breaks the tie, and neither page loses or repeats one.
        await db.fetch("UPDATE service_requests SET created_at = (SELECT created_at FROM service_requests"
                       " WHERE request_id = $1) WHERE request_id = $2", ids[2], ids[3])
        pages = await _follow(client, "/requests?limit=2", sw)
        by_person = await _follow(client, f"/requests?limit=3&person_ref={first_person}&status=submitted", sw)
    expected = [r["request_id"] for r in await db.fetch(
        "SELECT request_id FROM service_requests ORDER BY created_at DESC, request_id DESC")]
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [i for p in pages for i in p] == expected and sorted(expected) == sorted(ids)
    assert [len(p) for p in by_person] == [3, 1]
    assert [i for p in by_person for i in p] == [i for i in expected if i in ids[:4]]


async def test_the_last_full_page_has_no_next_link_and_other_workers_see_nothing(db):
    async with db.http(app) as client:
        await _submitted(db, client, unique("P-PAGE"), 2)
        exact = await client.get("/requests", params={"limit": 2}, headers=db.auth("social_worker", subject=SW))
        other = await client.get("/requests", params={"limit": 1},
                                 headers=db.auth("social_worker", subject="u-sw-other"))
    assert len(exact.json()) == 2 and "link" not in exact.headers
    assert other.status_code == 200 and other.json() == [] and "link" not in other.headers


@pytest.mark.parametrize("cursor", ["not-a-cursor!", "WzFd", "WyJ4IiwiUkVRLTEiXQ"])  # bad chars, [1], ["x","REQ-1"]
async def test_a_cursor_that_is_not_this_lists_is_a_422_naming_after(db, cursor):
    async with db.http(app) as client:
        resp = await client.get("/requests", params={"after": cursor},
                                headers=db.auth("social_worker", subject=SW))
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in resp.json()["errors"]] == ["query.after"]
