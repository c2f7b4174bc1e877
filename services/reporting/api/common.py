"""What every reporting endpoint shares: who may read, date ranges, and CSV exports."""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import asyncpg
from fastapi import HTTPException, Request, status
from fastapi.responses import Response
from pydantic_core import to_json

from shared.clock import london_date, utcnow
from shared.http import transaction
from shared.spreadsheet import safe_cell
from services.reporting.domain.mechanisms import MECHANISMS, UnknownMechanism, parse_filter
from services.reporting.domain.periods import PeriodKind, default_range

OFFICERS = ("finance_officer", "finance_approver", "brokerage_officer", "social_worker", "ops")
Format = Literal["json", "csv"]
MAX_DAYS = 3 * 366  # a range longer than this is a mistake more often than a question
# Dates reporting answers for: whole periods around 9999-12-31 would run past the calendar's end.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


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
    """The asked range, or the last 52 weeks / 12 months; 422 when it is backwards or too long."""
    default_first, default_last = default_range(kind, today())
    first, last = first or default_first, last or default_last
    for name, day in (("from", first), ("to", last)):
        if not EARLIEST <= day <= LATEST:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                                detail=[{"loc": ["query", name], "msg": f"'{name}' ({day}) is not between {EARLIEST} "
                                         f"and {LATEST}", "type": "value_error"}])
    if last < first:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            detail=[{"loc": ["query", "to"], "msg": f"'to' ({last}) is before 'from' ({first})",
                                     "type": "value_error"}])
    if (last - first).days > MAX_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            detail=[{"loc": ["query", "from"], "msg": "the range is longer than three years; "
                                     "ask for a shorter one", "type": "value_error"}])
    return first, last


def mechanism_filter(values: Sequence[str] | None) -> list[str] | None:
    """The `mechanism` filter (repeated or comma-separated); 422 naming the parameter and the allowed values."""
    try:
        return parse_filter(values)
    except UnknownMechanism as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            detail=[{"loc": ["query", "mechanism"], "msg": str(exc), "type": "value_error",
                                     "input": exc.values, "ctx": {"allowed": list(MECHANISMS)}}]) from None


def cost_centre_filter(values: Sequence[str] | None, group_by: str) -> list[str] | None:
    """The `cost_centre` filter (repeated or comma-separated); 422 naming it when empty or with group_by=person
    (spend by person is not kept by cost centre)."""
    if not values:
        return None
    centres = sorted({v.strip() for value in values for v in value.split(",") if v.strip()})
    problem = ("spend by person cannot be limited to cost centres; group by cost_centre instead"
               if group_by == "person" else None if centres else "name at least one cost centre")
    if problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            detail=[{"loc": ["query", "cost_centre"], "msg": problem, "type": "value_error",
                                     "input": list(values)}])
    return centres


def json_response(out: Any) -> Response:
    """The answer as JSON, serialised straight from plain data: validating ten thousand rows against the
    declared response model took longer than the query (the models stay, for the API document; a stack
    test checks every answer against them)."""
    return Response(to_json(out), media_type="application/json")


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


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    return Response(csv_text(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def dict_rows(items: Iterable[dict], columns: Sequence[str]) -> list[list[object]]:
    return [[item.get(c) for c in columns] for item in items]
