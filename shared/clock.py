"""Time: timestamps are UTC; business dates are Europe/London."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, ValidationInfo

from shared.errors import RuleBroken

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def london_date(instant: datetime) -> date:
    """The business date (Europe/London) on which an aware instant falls."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: attach a timezone before asking for its London date")
    return instant.astimezone(LONDON).date()


def london_local(naive: datetime) -> datetime:
    """Interpret a naive wall-clock time as Europe/London and return it in UTC."""
    return naive.replace(tzinfo=LONDON).astimezone(timezone.utc)


def week_start(day: date) -> date:
    """The Monday of the Monday–Sunday week containing `day`."""
    return day - timedelta(days=day.weekday())


def within_window(day: date, field: str, *, back_days: int, ahead_days: int, today: date | None = None) -> date:
    """`day`, if it lies within `back_days` before and `ahead_days` after today (Europe/London); else
    RuleBroken (HTTP 422) naming `field`. A date far off would drive loops over weeks or periods that
    outrun any timeout (a pay date in the year 4397): every date a client sends is bounded here."""
    today = today or london_date(utcnow())
    first, last = today - timedelta(days=back_days), today + timedelta(days=ahead_days)
    if not first <= day <= last:
        raise RuleBroken(field, f"{day.isoformat()} is outside {first.isoformat()} to {last.isoformat()} "
                                f"({back_days} days back to {ahead_days} days ahead of today)")
    return day


def _window(back_days: int, ahead_days: int) -> AfterValidator:
    def check(day: date, info: ValidationInfo) -> date:
        return within_window(day, info.field_name or "date", back_days=back_days, ahead_days=ahead_days)
    return AfterValidator(check)


# Request-model date types (422 naming the field, from pydantic): a pay date within a year back and two
# years ahead; any other business date a client sends within six years back (records kept) and two ahead.
PayDate = Annotated[date, _window(366, 731)]
BusinessDate = Annotated[date, _window(6 * 366, 731)]
# Any other date a client sends (an agreement's start or end, a rate card's dates, a suspension, a ledger
# entry): wide enough for every real one, and far short of the centuries that would drive a loop for ever.
PlausibleDate = Annotated[date, _window(20 * 366, 10 * 366)]
