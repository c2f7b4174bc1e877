"""Rates by time band and kind of day (rates.py), the version in force on a day, and cut-offs (matching.py)."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from contracts.agreements import Rate
from services.delivery.domain.matching import ScheduledVisit, ScheduleVersion, planned_visits, visit_cutoff
from services.delivery.domain.rates import hourly_rate, rate_table, rates_on

from .builders import MONDAY, planned, schedule, utc

STANDARD = Rate(unit="hour", amount_pence=2400)
EVENING = Rate(unit="hour", amount_pence=2800, time_band="evening")
NIGHT = Rate(unit="hour", amount_pence=3000, time_band="night")
WEEKEND = Rate(unit="hour", amount_pence=3200, day_category="weekend")
BANK_HOLIDAY = Rate(unit="hour", amount_pence=4800, day_category="bank_holiday")
WEEKEND_EVENING = Rate(unit="hour", amount_pence=3500, time_band="evening", day_category="weekend")
ALL = [STANDARD, EVENING, NIGHT, WEEKEND, BANK_HOLIDAY, WEEKEND_EVENING]
SATURDAY = MONDAY + timedelta(days=5)
GOOD_FRIDAY = date(2024, 3, 29)


@pytest.mark.parametrize("day, start, pence", [
    (MONDAY, time(9), 2400),            # day band, weekday: the standard rate
    (MONDAY, time(18, 59), 2400),       # still the day band
    (MONDAY, time(19), 2800),           # evening from 19:00
    (MONDAY, time(22), 3000),           # night from 22:00
    (MONDAY, time(6, 59), 3000),        # ... until 06:59
    (SATURDAY, time(9), 3200),          # a weekend rate outranks the band
    (SATURDAY, time(20), 3500),         # both band and day category match: the most specific
    (GOOD_FRIDAY, time(20), 4800),      # a bank holiday premium outranks the evening band
])
def test_the_most_specific_hourly_rate_applies(day, start, pence):
    assert hourly_rate(ALL, day, start) == pence


def test_without_a_start_time_the_days_standard_rate_applies():
    assert rates_on(ALL)(MONDAY) == 2400
    assert rates_on(ALL)(SATURDAY) == 3200


def test_a_visit_is_never_priced_without_an_hourly_rate():
    with pytest.raises(LookupError):
        hourly_rate([Rate(unit="visit", amount_pence=1500)], MONDAY, time(9))
    with pytest.raises(LookupError):
        hourly_rate([EVENING], MONDAY, time(9))  # only an evening rate, for a morning visit


def test_a_rate_table_ignores_the_start_time():
    assert rate_table({date(2024, 1, 1): 2400})(MONDAY, time(23)) == 2400


def test_the_highest_version_in_force_wins_even_when_back_dated():
    morning, afternoon = ScheduledVisit(0, time(9), 30), ScheduledVisit(0, time(14), 30)
    # v2 (from 11 March) then v3 made later but back-dated to 4 March: v3 governs from 4 March on.
    agreement = schedule(versions=(ScheduleVersion(MONDAY, (morning,), 1),
                                   ScheduleVersion(date(2024, 3, 11), (morning,), 2),
                                   ScheduleVersion(MONDAY, (afternoon,), 3)))
    visits = planned_visits(agreement, MONDAY, date(2024, 3, 18))
    assert [v.key[-5:] for v in visits] == ["14:00", "14:00", "14:00"]


def test_a_cut_off_time_makes_a_visit_missed_that_evening_or_the_next_day_when_it_ends_later():
    morning = planned()  # 09:00-09:30 on MONDAY (GMT)
    assert visit_cutoff(morning, at=time(20)) == utc(2024, 3, 4, 20)
    late = planned(at=time(21), minutes=60)
    assert visit_cutoff(late, at=time(20)) == utc(2024, 3, 5, 20)
    assert visit_cutoff(morning) == utc(2024, 3, 5, 0)
