"""Reporting periods: Monday–Sunday weeks and calendar months of Europe/London business dates."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from shared.clock import week_start

PeriodKind = Literal["week", "month"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("week", "month")


def period_start(kind: PeriodKind, day: date) -> date:
    """The first day of the week (Monday) or month containing `day`."""
    return week_start(day) if kind == "week" else day.replace(day=1)


def next_period_start(kind: PeriodKind, start: date) -> date:
    if kind == "week":
        return start + timedelta(days=7)
    return date(start.year + (start.month == 12), start.month % 12 + 1, 1)


def period_end(kind: PeriodKind, start: date) -> date:
    """The last day of the period starting on `start`."""
    return next_period_start(kind, start) - timedelta(days=1)


def whole_periods(kind: PeriodKind, first: date, last: date) -> tuple[date, date]:
    """[first, last] widened to whole periods, so every figure covers its whole week or month."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return period_start(kind, first), period_end(kind, period_start(kind, last))


def periods(kind: PeriodKind, first: date, last: date) -> list[tuple[date, date]]:
    """(start, end) of every period overlapping [first, last], oldest first."""
    out = []
    start = period_start(kind, first)
    while start <= last:
        out.append((start, period_end(kind, start)))
        start = next_period_start(kind, start)
    return out


def default_range(kind: PeriodKind, today: date) -> tuple[date, date]:
    """The last 52 weeks, or the last 12 months, up to and including the period of `today`."""
    if kind == "week":
        return week_start(today) - timedelta(weeks=51), period_end("week", week_start(today))
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, period_end("month", today.replace(day=1))
