"""What every reporting endpoint shares: who may read, date ranges, pages, and CSV exports."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypeVar

import asyncpg
from fastapi import Request
from fastapi.responses import Response
from pydantic_core import to_json

from shared.clock import london_date, utcnow
from shared.http import transaction
from shared.pagination import Page, paged
from shared.problems import ApiProblem
from shared.spreadsheet import safe_cell
from services.reporting.api.params import EARLIEST, LATEST
from services.reporting.domain.mechanisms import MECHANISMS, UnknownMechanism, parse_filter
from services.reporting.domain.periods import PeriodKind, default_range

OFFICERS = ("finance_officer", "finance_approver", "brokerage_officer", "social_worker", "ops")
Format = Literal["json", "csv"]
T = TypeVar("T")
MAX_DAYS = 3 * 366  # a range longer than this is a mistake more often than a question
# What a CSV download's file name may hold: the rest of a name taken from the request becomes "_".
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def page_of(request: Request, items: Sequence[T], page: Page, key: Callable[[T], Sequence[Any]]
            ) -> tuple[list[T], dict[str, str]]:
    """shared.pagination's `paged` for a route that answers its own Response (json_response): the page's
    items, and the headers to send with them (the Link to the next page, when there is one)."""
    scratch = Response()
    shown = paged(request, scratch, items, page, key=key)
    link = scratch.headers.get("link")
    return shown, ({"Link": link} if link else {})


def merged(*responses: Mapping[int | str, Mapping[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """`responses=` documents combined, per status: their content types and headers together
    (`merged(ALSO_CSV, PAGED)`: a 200 that is JSON or CSV, with a Link header)."""
    out: dict[int | str, dict[str, Any]] = {}
    for documented in responses:
        for status, response in documented.items():
            into = out.setdefault(status, {})
            for key, value in response.items():
                into[key] = {**into.get(key, {}), **value} if isinstance(value, Mapping) else value
    return out


def invalid(code: str, parameter: str, msg: str, **extra: Any) -> ApiProblem:
    """422 naming the query parameter `parameter`."""
    return ApiProblem(422, code, f"query.{parameter}: {msg}",
                      errors=[{"loc": ["query", parameter], "msg": msg, "type": "value_error", **extra}])


async def prepare_reading(conn: asyncpg.Connection) -> None:
    """First thing in a read transaction: one snapshot for all its queries, and no JIT (compiling
    these short aggregate queries took 50-100 ms, more than running them)."""
    await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    await conn.execute("SET LOCAL jit = off")


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[asyncpg.Connection]:
    async with transaction(request) as conn:
        await prepare_reading(conn)
        yield conn


def today() -> date:
    return london_date(utcnow())


def date_range(kind: PeriodKind, first: date | None, last: date | None) -> tuple[date, date]:
    """The asked range; `last` left out, the end of this week or month; `first` left out, the 52 weeks or
    12 months up to `last`. 422 naming the parameter when a day is outside EARLIEST..LATEST, when the range
    runs backwards (`to`) or is longer than three years (`from`)."""
    for name, day in (("from", first), ("to", last)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise invalid("date_out_of_range", name, f"'{name}' ({day}) is not between {EARLIEST} and {LATEST}")
    if last is None:
        last = default_range(kind, today())[1]
    first = first or default_range(kind, last)[0]
    if last < first:
        raise invalid("range_backwards", "to", f"'to' ({last}) is before 'from' ({first})")
    if (last - first).days > MAX_DAYS:
        raise invalid("range_too_long", "from", f"the range {first} to {last} is longer than three years "
                                                f"({MAX_DAYS} days); ask for a shorter one")
    return first, last


def mechanism_filter(values: Sequence[str] | None) -> list[str] | None:
    """The `mechanism` filter (repeated or comma-separated); 422 naming the parameter and the allowed values."""
    try:
        return parse_filter(values)
    except UnknownMechanism as exc:
        raise invalid("invalid_request", "mechanism", str(exc), input=exc.values,
                      ctx={"allowed": list(MECHANISMS)}) from None


def cost_centre_filter(values: Sequence[str] | None, group_by: str) -> list[str] | None:
    """The `cost_centre` filter (repeated or comma-separated); 422 naming it when empty or with group_by=person
    (spend by person is not kept by cost centre)."""
    if not values:
        return None
    centres = sorted({v.strip() for value in values for v in value.split(",") if v.strip()})
    problem = ("spend by person cannot be limited to cost centres; group by cost_centre instead"
               if group_by == "person" else None if centres else "name at least one cost centre")
    if problem:
        raise invalid("invalid_request", "cost_centre", problem, input=list(values))
    return centres


def json_response(out: Any, headers: Mapping[str, str] | None = None) -> Response:
    """The answer as JSON, serialised straight from plain data: validating ten thousand rows against the
    declared response model took longer than the query (the models stay, for the API document, whose
    field names are the aliases sent here, `from` for one; tests check answers against the document)."""
    return Response(to_json(out), media_type="application/json", headers=dict(headers) if headers else None)


def _cell(value: object) -> str:
    # Numbers stay numbers (a negative amount is not a formula); text from events is neutralised.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def safe_filename(name: str) -> str:
    """`name` with every character but ASCII letters, digits, '.', '_' and '-' replaced by '_', at most 150
    characters: a header can carry it (a person_ref from the path may hold any character)."""
    return _UNSAFE_IN_FILENAME.sub("_", name)[:150]


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    return Response(csv_text(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{safe_filename(filename)}"'})


def dict_rows(items: Iterable[dict], columns: Sequence[str]) -> list[list[object]]:
    return [[item.get(c) for c in columns] for item in items]
