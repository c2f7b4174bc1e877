from datetime import date, datetime, timezone

import pytest

from shared.calendar import add_working_days, bank_holidays, is_working_day, working_days_between
from shared.clock import london_date, london_local, week_start
from shared.money import format_gbp, pounds_to_pence, round_half_up


def test_half_a_penny_rounds_up():
    assert round_half_up(1, 2) == 1
    assert round_half_up(149, 100) == 1
    assert round_half_up(150, 100) == 2


def test_negative_amounts_round_away_from_zero_symmetrically():
    assert round_half_up(-150, 100) == -2
    assert round_half_up(-149, 100) == -1


def test_thirty_minutes_at_2385_pence_an_hour_is_1193_pence():
    assert round_half_up(30 * 2385, 60) == 1193  # 1192.5 rounds up


def test_pounds_parse_to_pence_and_refuse_fractions_of_a_penny():
    assert pounds_to_pence("12.34") == 1234
    with pytest.raises(ValueError):
        pounds_to_pence("0.001")


def test_gbp_formatting():
    assert format_gbp(123456) == "£1,234.56"
    assert format_gbp(-100) == "-£1.00"


def test_late_evening_utc_in_summer_is_the_next_london_day():
    assert london_date(datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc)) == date(2026, 7, 2)


def test_naive_local_time_is_read_as_london_across_dst():
    assert london_local(datetime(2026, 1, 15, 9, 0)).hour == 9
    assert london_local(datetime(2026, 7, 15, 9, 0)).hour == 8


def test_weeks_start_on_monday():
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)


def test_boxing_day_on_saturday_moves_to_monday_28th():
    assert date(2026, 12, 28) in bank_holidays(2026)
    assert date(2026, 12, 26) not in bank_holidays(2026)


def test_easter_2027_holidays():
    assert {date(2027, 3, 26), date(2027, 3, 29)} <= bank_holidays(2027)


def test_two_working_days_after_thursday_before_easter_is_the_following_tuesday():
    # Good Friday 3 Apr 2026 and Easter Monday 6 Apr are not working days.
    assert add_working_days(date(2026, 4, 2), 2) == date(2026, 4, 8)
    assert not is_working_day(date(2026, 4, 3))
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 8)) == 2
