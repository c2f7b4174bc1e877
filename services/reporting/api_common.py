"""What every reporting endpoint shares: who may read, date ranges, and CSV exports."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal

from fastapi import HTTPException, status
from fastapi.responses import Response

from shared.clock import london_date, utcnow
from shared.spreadsheet import safe_cell
from services.reporting.domain_periods import PeriodKind, default_range

OFFICERS = ("finance_officer", "finance_approver", "brokerage_officer", "social_worker", "ops")
Format = Literal["json", "csv"]
MAX_DAYS = 3 * 366  # a range longer than this is a mistake more often than a question


def today() -> date:
    return london_date(utcnow())


def date_range(kind: PeriodKind, first: date | None, last: date | None) -> tuple[date, date]:
    """The asked range, or the last 52 weeks / 12 months; 422 when it is backwards or too long."""
    default_first, default_last = default_range(kind, today())
    first, last = first or default_first, last or default_last
    if last < first:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            detail=[{"loc": ["query", "to"], "msg": f"'to' ({last}) is before 'from' ({first})",
                                     "type": "value_error"}])
    if (last - first).days > MAX_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            detail=[{"loc": ["query", "from"], "msg": "the range is longer than three years; "
                                     "ask for a shorter one", "type": "value_error"}])
    return first, last


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
