"""Keyset pagination against Postgres (shared/pagination.py): following the next links of a list ordered on
(created_at, id), newest or oldest first, returns every row exactly once, ties on the timestamp included, and
a row added meanwhile neither shifts nor repeats the pages already read."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import pytest
from fastapi import Depends, FastAPI, Request, Response

from shared.pagination import NEWEST_FIRST, OLDEST_FIRST, Page, page_params, paged
from shared.testing import DatabaseOnly

pytestmark = pytest.mark.db


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/notes")
    async def list_notes(request: Request, response: Response, page: Annotated[Page, Depends(page_params)],
                         order: Literal["newest", "oldest"] = "newest", topic: str | None = None) -> list[dict]:
        keyset = NEWEST_FIRST if order == "newest" else OLDEST_FIRST
        where, args = keyset.after(page.after_key((datetime, uuid.UUID)), first_param=2)
        rows = await request.app.state.runtime.fetch(
            f"SELECT id, created_at, topic FROM page_notes WHERE ($1::text IS NULL OR topic = $1) AND {where} "
            f"ORDER BY {keyset.order_by} LIMIT ${len(args) + 2}", topic, *args, page.fetch)
        return paged(request, response, [dict(r) for r in rows], page, key=lambda r: (r["created_at"], r["id"]))

    return app


@pytest.fixture(scope="module")
async def db():
    async with DatabaseOnly("requests") as db:
        await db.fetch("CREATE TABLE page_notes (id uuid PRIMARY KEY, created_at timestamptz NOT NULL, "
                       "topic text NOT NULL)")
        # 23 rows over 5 timestamps: most share theirs with others.
        await db.fetch("INSERT INTO page_notes SELECT gen_random_uuid(), "
                       "timestamptz '2025-04-01 09:00:00.123456+00' + (n % 5) * interval '1 minute', "
                       "CASE WHEN n % 2 = 0 THEN 'even' ELSE 'odd' END FROM generate_series(1, 23) n")
        yield db


async def _follow(client, url: str) -> tuple[list[dict], int]:
    seen, pages = [], 0
    while url:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        seen += response.json()
        pages += 1
        link = response.headers.get("link")
        url = link[1:link.index(">")] if link else None
    return seen, pages


@pytest.mark.parametrize("order, descending", [("newest", True), ("oldest", False)])
@pytest.mark.parametrize("limit, pages", [(1, 23), (4, 6), (23, 1), (500, 1)])
async def test_following_the_links_returns_every_row_once_in_order(db, order, descending, limit, pages):
    async with db.http(_app()) as client:
        seen, followed = await _follow(client, f"/notes?order={order}&limit={limit}")
    expected = sorted([(r["created_at"], r["id"]) for r in await db.fetch("SELECT * FROM page_notes")],
                      reverse=descending)
    assert [(datetime.fromisoformat(r["created_at"]), uuid.UUID(r["id"])) for r in seen] == expected
    assert followed == pages


async def test_filters_are_kept_across_pages(db):
    async with db.http(_app()) as client:
        seen, _ = await _follow(client, "/notes?topic=odd&limit=5")
    assert len(seen) == 12 and {r["topic"] for r in seen} == {"odd"}


async def test_a_row_added_while_reading_does_not_shift_the_pages(db):
    async with db.http(_app()) as client:
        first = await client.get("/notes?limit=5&order=oldest&topic=even")
        await db.fetch("INSERT INTO page_notes VALUES (gen_random_uuid(), timestamptz '2025-04-01 08:00+00', 'even')")
        link = first.headers["link"]
        rest, _ = await _follow(client, link[1:link.index(">")])
    ids = [r["id"] for r in first.json()] + [r["id"] for r in rest]
    assert len(ids) == len(set(ids)) == 11, "the earlier row is not on a later page and nothing repeats"
