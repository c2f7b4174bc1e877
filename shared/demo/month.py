"""The month the demo council lives through: the latest four-weekly invoice period that is over.

Four-weekly periods count from the council's anchor Monday (invoicing's
CAREPAY_INVOICING_FOUR_WEEKLY_ANCHOR, default 1 April 2024), so plan-based invoices and four-weekly
self-bills cover exactly this month. Its four weeks are over, so providers can confirm them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from shared.clock import LONDON
from shared.settings_sources import raw

DEFAULT_ANCHOR = date(2024, 4, 1)


def four_weekly_anchor() -> date:
    return date.fromisoformat(raw("CAREPAY_INVOICING_FOUR_WEEKLY_ANCHOR") or DEFAULT_ANCHOR.isoformat())


@dataclass(frozen=True)
class Month:
    first: date  # a Monday
    today: date

    @classmethod
    def latest_over(cls, today: date, anchor: date | None = None) -> "Month":
        anchor = anchor or four_weekly_anchor()
        cycles = (today - anchor).days // 28
        first = anchor + timedelta(days=28 * cycles)
        while first + timedelta(days=27) >= today:  # its last Sunday must be over
            first -= timedelta(days=28)
        return cls(first, today)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=27)

    @property
    def weeks(self) -> list[date]:
        """The Mondays of its four weeks."""
        return [self.first + timedelta(days=7 * i) for i in range(4)]

    def day(self, week: int, weekday: int) -> date:
        """Week 0-3, weekday 0 (Monday) - 6 (Sunday)."""
        return self.first + timedelta(days=7 * week + weekday)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(28)]

    def week_of(self, day: date) -> int:
        return (day - self.first).days // 7


def at(day: date, hhmm: str, plus_minutes: int = 0) -> datetime:
    """The UTC instant of a London wall-clock time on `day`, moved by `plus_minutes`."""
    local = datetime.combine(day, time.fromisoformat(hhmm)).replace(tzinfo=LONDON)
    return (local.astimezone(timezone.utc) + timedelta(minutes=plus_minutes))
