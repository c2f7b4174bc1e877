"""One cursor pagination for every list: `limit`, `after`, and a `Link: <…>; rel="next"` header.

A list route takes `page: Annotated[Page, Depends(page_params)]` (query parameters `limit`, 1..MAX_LIMIT,
default DEFAULT_LIMIT, and `after`, the opaque cursor of the previous page's next link; there is no
`offset`). It fetches `page.fetch` (= limit + 1) rows ordered by a unique sort key, strictly after
`page.after_key(types)`, and answers `paged(request, response, rows, page, key=...)`: the first `limit`
rows, and when there were more a next link to the same list (other query parameters kept) whose `after`
is the key of the last row returned. The body stays a JSON array; `responses=PAGED` documents the header.

    @router.get("/invoices", response_model=list[InvoiceOut], responses=PAGED)
    async def list_invoices(request: Request, response: Response,
                            page: Annotated[Page, Depends(page_params)]) -> list[dict]:
        after = page.after_key((datetime, str))            # None on the first page
        where, args = NEWEST_FIRST.after(after, first_param=1)
        rows = await conn.fetch(f"SELECT ... WHERE {where} ORDER BY {NEWEST_FIRST.order_by} LIMIT ${len(args) + 1}",
                                *args, page.fetch)
        return paged(request, response, rows, page, key=lambda r: (r["created_at"], r["id"]))

A cursor is the URL-safe base64 (unpadded) of a JSON list of the key's values: dates, datetimes and UUIDs
as ISO / canonical strings, ints as numbers, strings as they are. It is opaque to clients but not secret:
a hand-made cursor only moves where the list starts. It is decoded with the types the route expects, so
a cursor that is not one this service wrote (bad base64 or JSON, another length, a value of another type)
is a 422 naming `query.after`, never a 500 or a silently wrong page.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Query, Request, Response
from pydantic import StringConstraints, WithJsonSchema

from shared.problems import ApiProblem

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_CURSOR_CHARS = 500
# What a cursor is made of (URL-safe base64, unpadded): the document states it, page_params checks it.
CURSOR = r"^[A-Za-z0-9_-]+$"
# A cursor as a query parameter: bounded here; its alphabet stated in the schema and checked by page_params
# (a 422 bad_cursor naming query.after).
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CURSOR_CHARS), WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": MAX_CURSOR_CHARS, "pattern": CURSOR})]

T = TypeVar("T")
KeyValue = date | datetime | uuid.UUID | int | str
# What the OpenAPI documents say about the next link (a route passes `responses=PAGED`).
PAGED: dict[int | str, dict[str, Any]] = {200: {"headers": {"Link": {
    "description": 'Present when there are more items: `<URL of the next page>; rel="next"`. The URL is this '
                   "request's with `after` set to the cursor of the last item returned (other parameters kept).",
    "schema": {"type": "string"}}}}}


def _bad_cursor(msg: str) -> ApiProblem:
    """The one error of a cursor that cannot be used: a problem naming query.after."""
    return ApiProblem(422, "bad_cursor", f"query.after: {msg}",
                      errors=[{"loc": ["query", "after"], "msg": msg, "type": "bad_cursor"}])


def encode_cursor(key: Sequence[KeyValue]) -> str:
    """The cursor of a sort key: URL-safe base64 (no padding) of a JSON list of its values."""
    values: list[Any] = []
    for value in key:
        if isinstance(value, bool) or value is None:
            raise TypeError(f"a sort key value cannot be {value!r}: keys are dates, datetimes, UUIDs, ints or strings")
        if isinstance(value, (date, uuid.UUID)):  # datetime is a date
            values.append(value.isoformat() if isinstance(value, date) else str(value))
        elif isinstance(value, (int, str)):
            values.append(value)
        else:
            raise TypeError(f"a sort key value cannot be a {type(value).__name__}: "
                            "keys are dates, datetimes, UUIDs, ints or strings")
    text = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def _raw_values(cursor: str) -> list[Any]:
    """The JSON list inside a cursor, or 422."""
    if not re.fullmatch(CURSOR, cursor):
        raise _bad_cursor("is not a cursor: use the `after` of the previous page's next link as it is")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):  # bad base64, not UTF-8, not JSON
        raise _bad_cursor("is not a cursor this list gave out: use the `after` of the previous page's next link") \
            from None
    if not isinstance(values, list) or not values:
        raise _bad_cursor("is not a cursor this list gave out: use the `after` of the previous page's next link")
    return values


def _typed(value: Any, kind: type, position: int) -> KeyValue:
    def wrong() -> HTTPException:
        return _bad_cursor(f"is not a cursor of this list (position {position} should be a {kind.__name__})")

    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong()
        return value
    if not isinstance(value, str):
        raise wrong()
    if kind is str:
        if "\x00" in value:  # no key holds one (Postgres text cannot), so no cursor this list gave out does
            raise wrong()
        return value
    try:
        if kind is datetime:
            return datetime.fromisoformat(value)
        if kind is date:
            return date.fromisoformat(value)
        if kind is uuid.UUID:
            return uuid.UUID(value)
    except ValueError:
        raise wrong() from None
    raise TypeError(f"a sort key value cannot be decoded as {kind.__name__}: use date, datetime, UUID, int or str")


def decode_cursor(cursor: str, types: Sequence[type]) -> tuple[KeyValue, ...]:
    """The key in `cursor`, each value of the type in `types` (date, datetime, uuid.UUID, int, str); 422
    naming `query.after` when it is not a cursor of a key of those types."""
    values = _raw_values(cursor)
    if len(values) != len(types):
        raise _bad_cursor(f"is not a cursor of this list (it holds {len(values)} values, this list's key "
                          f"{len(types)})")
    return tuple(_typed(v, t, n) for n, (v, t) in enumerate(zip(values, types)))


@dataclass(frozen=True)
class Page:
    """Which page of a list: at most `limit` items, strictly after the cursor `after` (None: the first)."""

    limit: int = DEFAULT_LIMIT
    after: str | None = None

    @property
    def fetch(self) -> int:
        """How many rows a route fetches: one more than it returns, to know whether there is a next page."""
        return self.limit + 1

    def after_key(self, types: Sequence[type]) -> tuple[KeyValue, ...] | None:
        """The sort key the page starts after, typed as `types` (e.g. `(datetime, str)`); None on the first."""
        return None if self.after is None else decode_cursor(self.after, types)


def page_params(
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT}).")]
        = DEFAULT_LIMIT,
        after: Annotated[Cursor | None, Query(description="Cursor of the page to start after: the `after` in the "
                                                        "previous page's `Link: <…>; rel=\"next\"` header.")]
        = None) -> Page:
    """FastAPI dependency: the page a list request asks for. A cursor that is not one at all is 422 here;
    one of the wrong shape for the list, when the route decodes it (`Page.after_key`)."""
    if after is not None:
        _raw_values(after)
    return Page(limit=limit, after=after)


def next_link(request: Request, cursor: str, limit: int) -> str:
    """The absolute URL of the next page: this request's, with `after` and `limit` set, other parameters kept."""
    return str(request.url.include_query_params(after=cursor, limit=limit))


def paged(request: Request, response: Response, rows: Sequence[T], page: Page,
          key: Callable[[T], Sequence[KeyValue]]) -> list[T]:
    """The first `page.limit` of `rows` (fetched as `page.fetch`); when there were more, sets the `Link`
    header of `response` to the next page, which starts after the key of the last row returned."""
    items = list(rows[:page.limit])
    if len(rows) > page.limit and items:
        response.headers["Link"] = f'<{next_link(request, encode_cursor(key(items[-1])), page.limit)}>; rel="next"'
    return items


_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


@dataclass(frozen=True)
class Keyset:
    """Keyset pagination on a unique sort key, all columns in one direction.

    `NEWEST_FIRST = Keyset(("created_at", "id"), descending=True)` pages newest first, ties on the
    timestamp broken by id; `Keyset(("created_at", "id"))` oldest first. The row comparison
    `(created_at, id) < ($1, $2)` is what Postgres answers from an index on `(created_at, id)`
    (descending order walks it backwards). Key columns must be NOT NULL: NULL never compares.
    """

    columns: tuple[str, ...]
    descending: bool = False

    def __post_init__(self) -> None:
        bad = [c for c in self.columns if not _COLUMN.fullmatch(c)]
        if not self.columns or bad:
            raise ValueError(f"key columns must be plain column names, got {list(self.columns)!r}")

    @property
    def order_by(self) -> str:
        """The ORDER BY list: `created_at DESC, id DESC`."""
        direction = " DESC" if self.descending else ""
        return ", ".join(f"{c}{direction}" for c in self.columns)

    def after(self, key: Sequence[Any] | None, *, first_param: int) -> tuple[str, list[Any]]:
        """(condition, args): rows strictly after `key` in this order, its values as `$first_param`...;
        `("TRUE", [])` on the first page (key None)."""
        if key is None:
            return "TRUE", []
        if len(key) != len(self.columns):
            raise ValueError(f"a key of {len(key)} values for {len(self.columns)} columns")
        params = ", ".join(f"${first_param + n}" for n in range(len(key)))
        op = "<" if self.descending else ">"
        return f"({', '.join(self.columns)}) {op} ({params})", list(key)


NEWEST_FIRST = Keyset(("created_at", "id"), descending=True)
OLDEST_FIRST = Keyset(("created_at", "id"))
