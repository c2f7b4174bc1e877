"""Bank holidays in England and working days.

Computed from the statutory pattern (New Year, Good Friday, Easter Monday, early May, spring,
summer, Christmas, Boxing Day, with substitute days), so it needs no yearly data file. One-off
holidays proclaimed for a single year are listed in EXTRA / MOVED.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

# One-off proclamations: added days and days moved (original -> replacement).
EXTRA: frozenset[date] = frozenset({date(2022, 6, 3), date(2022, 9, 19), date(2023, 5, 8)})
MOVED: dict[date, date] = {date(2020, 5, 4): date(2020, 5, 8), date(2022, 5, 30): date(2022, 6, 2)}


def easter_sunday(year: int) -> date:
    """Western Easter (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    return d - timedelta(days=d.weekday())


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England's bank holidays in `year`."""
    easter = easter_sunday(year)
    days = {easter - timedelta(days=2), easter + timedelta(days=1), _first_monday(year, 5),
            _last_monday(year, 5), _last_monday(year, 8)}
    new_year = date(year, 1, 1)
    days.add(new_year if new_year.weekday() < 5 else new_year + timedelta(days=7 - new_year.weekday()))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    # Substitutes: a holiday on a weekend moves to the next weekday not already a holiday.
    if christmas.weekday() == 5:  # Saturday: Mon 27 and Tue 28
        days |= {date(year, 12, 27), date(year, 12, 28)}
    elif christmas.weekday() == 6:  # Sunday: Boxing Day Mon 26, Christmas substitute Tue 27
        days |= {boxing, date(year, 12, 27)}
    elif christmas.weekday() == 4:  # Friday: Boxing Day (Sat) moves to Mon 28
        days |= {christmas, date(year, 12, 28)}
    else:
        days |= {christmas, boxing}
    for original, replacement in MOVED.items():
        if original in days:
            days = (days - {original}) | {replacement}
    days |= {d for d in EXTRA if d.year == year}
    return frozenset(days)


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, n: int) -> date:
    """The date `n` working days after `start` (start itself does not count)."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
