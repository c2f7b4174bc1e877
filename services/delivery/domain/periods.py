"""Period actuals: an agreement's verified visits of one Monday–Sunday week (Europe/London), confirmed
by the provider or automatically at a cut-off, exactly once. Changes after confirmation are adjustments
that ride with the agreement's next confirmed week.

Auto-confirmation happens at the cut-off (default: the Tuesday 12:00 London after the week ends), but
not while records for the week are still arriving: a week changed within the last `settle` (default
10 minutes) waits, so one large file is never split between the lines and next week's adjustments.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shared.clock import london_date, london_local, week_start
from shared.errors import RuleBroken


@dataclass(frozen=True)
class ConfirmPolicy:
    days_after_week: int = 1  # the cut-off is this many days after the week ends (Monday 00:00) ...
    at: time = time(12)  # ... at this London time: Tuesday 12:00 by default
    settle: timedelta = timedelta(minutes=10)

    def cutoff(self, week: date) -> datetime:
        """When the week auto-confirms (UTC instant)."""
        return london_local(datetime.combine(week + timedelta(days=7 + self.days_after_week), self.at))

    def latest_due_week(self, now: datetime) -> date:
        """The latest week whose cut-off has passed at `now`: it and every earlier week are due."""
        week = week_start(london_date(now))
        while self.cutoff(week) > now:
            week -= timedelta(days=7)
        return week


def week_end(week: date) -> datetime:
    """The instant the week is over: Monday 00:00 London after it."""
    return london_local(datetime.combine(week + timedelta(days=7), time()))


def checked_week(week: date) -> date:
    if week.weekday() != 0:
        raise RuleBroken("week_start", f"{week.isoformat()} is a {week:%A}: weeks start on Monday "
                                       f"(that week: {week_start(week).isoformat()})")
    return week
