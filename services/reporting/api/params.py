"""What the reporting API's query strings take, each refused (422 naming the parameter) exactly where its
schema says: a date as YYYY-MM-DD in the years 1900-2199, the mechanism filter, the cost-centre filter.

The rules between parameters no schema can state are described on the parameters and checked by the routes
(api/common.py): `from` after `to` (422 `range_backwards`, naming `to`), a range of more than three years
(422 `range_too_long`, naming `from`), cost centres with group_by=person (422 naming `cost_centre`).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from shared.bounds import MAX_FILTER_VALUES, WHITESPACE
from services.reporting.domain.mechanisms import MECHANISMS, UnknownMechanism

# Dates reporting answers for: whole periods around 9999-12-31 would run past the calendar's end.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
DATE_PATTERN = r"^(?:19[0-9]{2}|2[01][0-9]{2})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
MAX_FILTER_CHARS = 200
_MECHANISM = "(?:" + "|".join(MECHANISMS) + ")"
# One or more mechanisms separated by commas (spaces around them allowed), or nothing (every mechanism).
MECHANISM_PATTERN = rf"^ *(?:{_MECHANISM} *(?:, *{_MECHANISM} *)*)?$"
# A character that names something: not a comma, nor whitespace as Python's str.strip() sees it, nor NUL.
NAMING_CHAR = rf"[^\x00,{WHITESPACE}]"
# Cost centres separated by commas: at least one named, and no NUL anywhere (Postgres keeps none).
COST_CENTRES_PATTERN = rf"^[^\x00]*{NAMING_CHAR}[^\x00]*$"


def _iso_date(value: Any) -> Any:
    """A date as the schema says (YYYY-MM-DD, years 1900-2199): not a number of seconds or another spelling
    pydantic would also read."""
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
        raise ValueError(f"must be a date as YYYY-MM-DD from {EARLIEST} to {LATEST}")
    return value


def _mechanisms(value: str) -> str:
    if len(value) <= MAX_FILTER_CHARS and re.fullmatch(MECHANISM_PATTERN, value):
        return value
    unknown = [v.strip()[:40] for v in value.split(",") if v.strip() not in MECHANISMS][:5]
    why = (UnknownMechanism(unknown) if unknown else f"longer than {MAX_FILTER_CHARS} characters"
           if len(value) > MAX_FILTER_CHARS else "separate mechanisms by commas, with no whitespace but spaces")
    raise ValueError(f"{why} (mechanisms separated by commas)")


def _cost_centres(value: str) -> str:
    if "\x00" in value:
        raise ValueError("may not contain a NUL character (\\u0000, %00): remove it")
    if len(value) > MAX_FILTER_CHARS or not re.fullmatch(COST_CENTRES_PATTERN, value):
        raise ValueError("name at least one cost centre (cost centres separated by commas)")
    return value


ReportDate = Annotated[date, BeforeValidator(_iso_date), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": DATE_PATTERN})]
From = Annotated[ReportDate | None, Query(alias="from", description=(
    "First day (YYYY-MM-DD, 1900-2199), widened to the start of its week or month. Left out: the 52 weeks or 12 "
    "months up to `to`. At most three years (1,098 days) before `to`, or before the end of this week or month "
    "when `to` is left out: else 422 range_too_long naming `from`."))]
To = Annotated[ReportDate | None, Query(description=(
    "Last day (YYYY-MM-DD, 1900-2199), widened to the end of its week or month. Left out: the end of this week or "
    "month. Not before `from`: else 422 range_backwards naming `to`."))]
MechanismFilter = Annotated[str, AfterValidator(_mechanisms), WithJsonSchema(
    {"type": "string", "maxLength": MAX_FILTER_CHARS, "pattern": MECHANISM_PATTERN})]
Mechanisms = Annotated[list[MechanismFilter] | None, Query(
    max_length=MAX_FILTER_VALUES, description=f"One or more of {', '.join(MECHANISMS)} (repeat the parameter, or "
                                              "separate values with commas); left out or empty: every mechanism.")]
CostCentreFilter = Annotated[str, AfterValidator(_cost_centres), WithJsonSchema(
    {"type": "string", "maxLength": MAX_FILTER_CHARS, "pattern": COST_CENTRES_PATTERN})]
CostCentres = Annotated[list[CostCentreFilter] | None, Query(
    max_length=MAX_FILTER_VALUES, description="One or more cost centres ('unassigned': none known; repeat the "
                                              "parameter, or separate them with commas); not with group_by=person "
                                              "(422 naming cost_centre).")]
