"""Time: timestamps are UTC; business dates are Europe/London."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

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
