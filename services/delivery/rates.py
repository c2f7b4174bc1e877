"""The hourly rate in force on a date: a visit is priced at the rate of its own local date."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from datetime import date

RateOn = Callable[[date], int]  # local (Europe/London) date -> pence per hour


def rate_table(effective_from: Mapping[date, int]) -> RateOn:
    """A lookup from rates keyed by the date each takes effect (so a mid-week change prices each day).

    `rate_table({date(2024, 4, 1): 2385, date(2024, 4, 3): 2450})(date(2024, 4, 2)) == 2385`.
    Asking for a date before the first rate is an error: nothing may be priced without a rate.
    """
    if not effective_from:
        raise ValueError("a rate table needs at least one rate")
    starts = sorted(effective_from)
    pence = [effective_from[d] for d in starts]

    def rate_on(day: date) -> int:
        i = bisect_right(starts, day)
        if i == 0:
            raise LookupError(f"no rate in force on {day.isoformat()} (first rate from {starts[0].isoformat()})")
        return pence[i - 1]

    return rate_on
