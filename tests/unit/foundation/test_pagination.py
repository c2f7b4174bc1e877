"""One cursor pagination (shared/pagination.py): cursors round-trip their key with its types, a cursor that is not
one of the list's is 422 on `query.after`, and the next link keeps the request's other parameters."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import date, datetime, timezone
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException, Request, Response

from shared.http import install_error_handlers
from shared.pagination import (MAX_LIMIT, NEWEST_FIRST, OLDEST_FIRST, PAGED, Keyset, Page, decode_cursor,
                               encode_cursor, page_params, paged)

WHEN = datetime(2025, 3, 30, 1, 30, 15, 123456, tzinfo=timezone.utc)
ID = uuid.UUID("7b0c1c9e-2f4e-4f7b-9f55-0d1c2b3a4e5f")


@pytest.mark.parametrize("key, types", [
    ((WHEN, "INV-000042"), (datetime, str)),
    ((date(2025, 4, 6), 17), (date, int)),
    ((ID,), (uuid.UUID,)),
    (("naïve & spaced / ?=", -3, 2**62), (str, int, int)),
])
def test_a_cursor_gives_back_its_key_with_the_types_restored(key, types):
    cursor = encode_cursor(key)
    assert all(c.isalnum() or c in "-_" for c in cursor), "safe in a query string as it is"
    back = Page(after=cursor).after_key(types)
    assert back == key
    assert [type(v) for v in back] == [type(v) for v in key]


def test_a_timestamp_keeps_its_microseconds_and_its_offset():
    (back,) = decode_cursor(encode_cursor((WHEN,)), (datetime,))
    assert back == WHEN and back.microsecond == 123456 and back.utcoffset() is not None


def test_the_first_page_has_no_key():
    assert Page(limit=5).after_key((datetime, str)) is None
    assert Page(limit=5).fetch == 6


@pytest.mark.parametrize("value", [None, True, 1.5, b"x", ["a"]])
def test_a_key_of_another_kind_of_value_is_refused_when_the_cursor_is_made(value):
    with pytest.raises(TypeError):
        encode_cursor((value,))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("cursor, types, says", [
    ("not a cursor!", (str,), "is not a cursor"),
    ("%%%", (str,), "is not a cursor"),
    ("abcde", (str,), "is not a cursor this list gave out"),          # bad base64 length
    (_b64("{not json"), (str,), "is not a cursor this list gave out"),
    (_b64('{"a": 1}'), (str,), "is not a cursor this list gave out"),  # not a list
    (_b64("[]"), (str,), "is not a cursor this list gave out"),
    (_b64('["2025-01-01T00:00:00+00:00"]'), (datetime, str), "holds 1 values, this list's key 2"),
    (_b64('["yesterday", "INV-1"]'), (datetime, str), "position 0 should be a datetime"),
    (_b64('[5, "INV-1"]'), (datetime, str), "position 0 should be a datetime"),
    (_b64('["2025-01-01T00:00:00", "INV-1"]'), (date, str), "position 0 should be a date"),
    (_b64('["7", 1]'), (int, str), "position 0 should be a int"),
    (_b64("[true]"), (int,), "position 0 should be a int"),
    (_b64('["not-a-uuid"]'), (uuid.UUID,), "position 0 should be a UUID"),
    (encode_cursor((WHEN, "INV-1"))[:-3], (datetime, str), "is not a cursor"),  # cut short
    (_b64('["nul\\u0000byte"]'), (str,), "position 0 should be a str"),  # no key holds a NUL
])
def test_a_cursor_that_is_not_one_of_this_list_is_422_on_query_after(cursor, types, says):
    with pytest.raises(HTTPException) as caught:
        Page(after=cursor).after_key(types)
    assert caught.value.status_code == 422
    (error,) = caught.value.errors
    assert error["loc"] == ["query", "after"]
    assert says in error["msg"]


# --- the dependency, the next link, through FastAPI ------------------------------------------------------
ROWS = [{"id": f"INV-{n:03d}", "created_at": datetime(2025, 1, 1, tzinfo=timezone.utc).replace(minute=n // 2)}
        for n in range(7)]  # pairs share a timestamp: the id breaks the tie


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/invoices", responses=PAGED)
    async def list_invoices(request: Request, response: Response, page: Annotated[Page, Depends(page_params)],
                            status: str | None = None) -> list[dict]:
        after = page.after_key((datetime, str))
        ordered = sorted(ROWS, key=lambda r: (r["created_at"], r["id"]), reverse=True)  # newest first
        rows = [r for r in ordered if after is None or (r["created_at"], r["id"]) < after][:page.fetch]
        return paged(request, response, [{**r, "status": status} for r in rows], page,
                     key=lambda r: (r["created_at"], r["id"]))

    return app


@pytest.fixture
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://invoicing.test") as c:
        yield c


async def test_following_the_next_links_visits_every_row_once_and_the_last_page_has_no_link(client):
    seen, url, pages = [], "/invoices?status=open&limit=3", 0
    while url:
        response = await client.get(url)
        assert response.status_code == 200
        pages += 1
        assert all(r["status"] == "open" for r in response.json()), "other parameters are kept"
        seen += [r["id"] for r in response.json()]
        link = response.headers.get("link")
        if link is None:
            break
        assert link.startswith("<http://invoicing.test/invoices?") and link.endswith('>; rel="next"')
        url = link[1:link.index(">")]
        query = parse_qs(urlsplit(url).query)
        assert query["limit"] == ["3"] and query["status"] == ["open"] and len(query["after"]) == 1
    assert seen == [f"INV-{n:03d}" for n in reversed(range(7))]
    assert pages == 3


async def test_a_page_that_holds_the_rest_exactly_has_no_next_link(client):
    response = await client.get("/invoices?limit=7")
    assert len(response.json()) == 7 and "link" not in response.headers
    response = await client.get("/invoices")  # default limit 100
    assert len(response.json()) == 7 and "link" not in response.headers


async def test_the_next_link_replaces_the_after_it_was_given(client):
    first = await client.get("/invoices?limit=2")
    second_url = first.headers["link"][1:first.headers["link"].index(">")]
    second = await client.get(second_url)
    third_url = second.headers["link"][1:second.headers["link"].index(">")]
    assert parse_qs(urlsplit(third_url).query)["after"] != parse_qs(urlsplit(second_url).query)["after"]
    assert [r["id"] for r in second.json()] == ["INV-004", "INV-003"]


@pytest.mark.parametrize("query, loc", [
    ("limit=0", ["query", "limit"]), (f"limit={MAX_LIMIT + 1}", ["query", "limit"]),
    ("limit=ten", ["query", "limit"]), ("after=", ["query", "after"]), ("after=" + "a" * 501, ["query", "after"]),
    ("after=!!", ["query", "after"]), ("after=" + _b64('["x", "INV-1"]'), ["query", "after"]),
])
async def test_bad_page_parameters_are_422_naming_the_parameter(client, query, loc):
    response = await client.get(f"/invoices?{query}")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [loc]


async def test_the_document_declares_limit_after_and_the_link_header(client):
    operation = (await client.get("/openapi.json")).json()["paths"]["/invoices"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["limit"]["schema"]["maximum"] == MAX_LIMIT and params["limit"]["schema"]["default"] == 100
    assert "offset" not in params
    assert "Link" in operation["responses"]["200"]["headers"]


# --- the SQL of keyset pagination ---------------------------------------------------------------------------
def test_keyset_conditions_and_orders():
    assert NEWEST_FIRST.order_by == "created_at DESC, id DESC"
    assert OLDEST_FIRST.order_by == "created_at, id"
    assert NEWEST_FIRST.after(None, first_param=3) == ("TRUE", [])
    assert NEWEST_FIRST.after((WHEN, "X"), first_param=3) == ("(created_at, id) < ($3, $4)", [WHEN, "X"])
    assert OLDEST_FIRST.after((WHEN, "X"), first_param=1) == ("(created_at, id) > ($1, $2)", [WHEN, "X"])
    assert Keyset(("i.issued_on", "i.invoice_id")).order_by == "i.issued_on, i.invoice_id"


@pytest.mark.parametrize("columns", [(), ("created_at; DROP TABLE x",), ("a b",)])
def test_keyset_columns_are_plain_names(columns):
    with pytest.raises(ValueError):
        Keyset(columns)


def test_a_key_of_the_wrong_length_is_a_programming_error():
    with pytest.raises(ValueError):
        NEWEST_FIRST.after((WHEN,), first_param=1)


def test_the_cursor_is_a_json_list_inside():
    cursor = encode_cursor((WHEN, ID, 3))
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert raw == [WHEN.isoformat(), str(ID), 3]
