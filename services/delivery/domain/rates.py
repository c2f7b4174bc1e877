"""The hourly rate a visit is priced at: the rate in force on its local date, for the time band its
planned start falls in and the kind of day it is (weekday, weekend, bank holiday in England)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import date, time
from functools import lru_cache

from contracts.agreements import (DAY_FROM, EVENING_FROM, NIGHT_FROM, DayCategory, Rate,  # noqa: F401
                                   TimeBand, day_category_of, time_band_of)
from contracts.common import RateUnit
from shared.calendar import is_bank_holiday

# local (Europe/London) date, local planned start time (None: the day's standard rate) -> pence per hour
RateOn = Callable[[date, "time | None"], int]

# Bands and day categories are the contract's own words, defined once in contracts.agreements.


def hourly_rate(rates: Sequence[Rate], day: date, start: time | None) -> int:
    """Pence per hour of the most specific hourly rate for a visit starting at `start` on `day`.

    Preference (as the agreements service prices plans): band and day category both match, then day
    category only (a bank-holiday premium outranks a band), then band only, then the standard rate.
    LookupError when no hourly rate applies: nothing is priced without a rate.
    """
    found = _most_specific(rates, time_band_of(start) if start is not None else None, day_category_of(day))
    if found is None:
        raise LookupError(f"no hourly rate applies on {day.isoformat()}"
                          + (f" at {start:%H:%M}" if start is not None else ""))
    return found


def _most_specific(rates: Sequence[Rate], band: TimeBand | None, category: DayCategory) -> int | None:
    for wanted in ((band, category), (None, category), (band, None), (None, None)):
        for rate in rates:
            if rate.unit is RateUnit.HOUR and (rate.time_band, rate.day_category) == wanted:
                return rate.amount_pence
    return None


def rates_on(rates: Sequence[Rate]) -> RateOn:
    """The RateOn of one version of an agreement's terms (its rates by band and day category).

    Every (band, day category) pair is priced once, when the version is read: a visit's rate is then a
    lookup by its band and its day's category (remembered per date for all agreements at once)."""
    frozen = tuple(rates)
    table = {(band, category): _most_specific(frozen, band, category)
             for band in (None, *TimeBand) for category in DayCategory}

    def rate_on(day: date, start: time | None = None) -> int:
        found = table[(time_band_of(start) if start is not None else None, _category_of(day))]
        return found if found is not None else hourly_rate(frozen, day, start)  # raises, saying why

    return rate_on


_category_of = lru_cache(maxsize=1 << 12)(day_category_of)


def rate_table(effective_from: Mapping[date, int]) -> RateOn:
    """A lookup from standard rates keyed by the date each takes effect (a mid-week change prices each day).

    `rate_table({date(2024, 4, 1): 2385, date(2024, 4, 3): 2450})(date(2024, 4, 2)) == 2385`.
    The start time is not used. Asking for a date before the first rate is an error.
    """
    if not effective_from:
        raise ValueError("a rate table needs at least one rate")
    starts = sorted(effective_from)
    pence = [effective_from[d] for d in starts]

    def rate_on(day: date, start: time | None = None) -> int:
        i = bisect_right(starts, day)
        if i == 0:
            raise LookupError(f"no rate in force on {day.isoformat()} (first rate from {starts[0].isoformat()})")
        return pence[i - 1]

    return rate_on
