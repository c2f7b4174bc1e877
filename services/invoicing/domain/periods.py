"""Invoice periods: inclusive runs of Europe/London dates, weekly (Monday–Sunday) or four-weekly.

Four-weekly periods are four consecutive weeks counted from an anchor Monday (the council's cycle
start); the default anchor is Monday 1 April 2024, the first day of the 2024-25 financial year.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.common import Cycle
from shared.clock import week_start

DEFAULT_FOUR_WEEKLY_ANCHOR = date(2024, 4, 1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(day: date) -> str:
    """'2 Mar 2026', as a provider reads it."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_span(first: date, last: date) -> str:
    """'2–8 Mar 2026', '28 Feb – 6 Mar 2026', or one day."""
    if first == last:
        return format_day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{format_day(last)}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {format_day(last)}"
    return f"{format_day(first)} – {format_day(last)}"


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """`first` to `last` inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a period cannot end ({self.last}) before it starts ({self.first})")

    @property
    def day_count(self) -> int:
        return (self.last - self.first).days + 1

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def covers(self, other: "Period") -> bool:
        return self.first <= other.first and other.last <= self.last

    def overlap(self, other: "Period") -> "Period | None":
        first, last = max(self.first, other.first), min(self.last, other.last)
        return Period(first, last) if first <= last else None

    def weeks(self) -> list["Period"]:
        """The Monday–Sunday weeks this period touches, whole."""
        out, monday = [], week_start(self.first)
        while monday <= self.last:
            out.append(week_of(monday))
            monday += timedelta(days=7)
        return out

    def __str__(self) -> str:
        return format_span(self.first, self.last)


def week_of(day: date) -> Period:
    """The Monday–Sunday week containing `day`."""
    monday = week_start(day)
    return Period(monday, monday + timedelta(days=6))


def four_weeks_of(day: date, anchor: date = DEFAULT_FOUR_WEEKLY_ANCHOR) -> Period:
    """The four-weekly period containing `day`: four whole weeks counted from `anchor` (a Monday)."""
    if anchor.weekday() != 0:
        raise ValueError(f"a four-weekly anchor must be a Monday, not {anchor:%A} {anchor}")
    cycles = (week_start(day) - anchor).days // 28
    first = anchor + timedelta(days=28 * cycles)
    return Period(first, first + timedelta(days=27))


def period_of(day: date, cycle: Cycle, anchor: date = DEFAULT_FOUR_WEEKLY_ANCHOR) -> Period:
    """The invoice period of `cycle` that contains `day`."""
    return week_of(day) if cycle is Cycle.WEEKLY else four_weeks_of(day, anchor)


def period_starting(day: date, cycle: Cycle, anchor: date = DEFAULT_FOUR_WEEKLY_ANCHOR) -> Period | None:
    """The invoice period of `cycle` that starts on `day`, or None when none does (not a Monday, or
    not the first Monday of a four-weekly period)."""
    period = period_of(day, cycle, anchor)
    return period if period.first == day else None


def last_complete_period(today: date, cycle: Cycle, anchor: date = DEFAULT_FOUR_WEEKLY_ANCHOR) -> Period:
    """The latest period of `cycle` that ended before `today` (what is invoiced in arrears today)."""
    return period_of(period_of(today, cycle, anchor).first - timedelta(days=1), cycle, anchor)
