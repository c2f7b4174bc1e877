"""Each day is priced under the version of the terms in force that day."""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from contracts.agreements import DayCategory, EndReason, SuspensionReason, TimeBand
from services.agreements.domain.pricing import price_of_day, price_of_period
from tests.unit.agreements.builders import MONDAY, daily_visit, home_care, hourly, residential

THURSDAY = MONDAY + timedelta(days=3)
SUNDAY = MONDAY + timedelta(days=6)


def test_a_mid_week_rate_change_prices_each_day_at_its_own_rate():
    agreement = home_care(rates=[hourly(2400)]).vary(THURSDAY, rates=[hourly(3000)], reason="uplift")
    assert [price_of_day(agreement, MONDAY + timedelta(days=i)) for i in range(7)] == [2400] * 3 + [3000] * 4
    assert price_of_period(agreement, MONDAY, SUNDAY) == 3 * 2400 + 4 * 3000


def test_a_mid_week_schedule_change_keeps_the_old_visits_before_it():
    agreement = home_care().vary(THURSDAY, schedule=daily_visit(minutes=30))
    assert price_of_day(agreement, THURSDAY - timedelta(days=1)) == 2400
    assert price_of_day(agreement, THURSDAY) == 1200


def test_a_variation_carries_over_what_it_does_not_change():
    agreement = home_care().vary(THURSDAY, schedule=daily_visit(minutes=30))
    assert agreement.terms_on(THURSDAY).rates == agreement.terms_on(MONDAY).rates
    assert agreement.terms_on(THURSDAY).version == 2


def test_a_back_dated_variation_supersedes_a_later_dated_one_from_its_own_date():
    agreement = (home_care().vary(THURSDAY, rates=[hourly(3000)])
                 .vary(MONDAY + timedelta(days=1), rates=[hourly(2600)]))
    assert price_of_day(agreement, MONDAY) == 2400
    assert price_of_day(agreement, SUNDAY) == 2600
    assert [t.version for t in agreement.terms] == [1, 2, 3]  # history is kept


def test_nothing_is_payable_before_start_after_end_or_while_suspended():
    agreement = home_care().suspend(MONDAY + timedelta(days=2), SuspensionReason.HOSPITAL).resume(THURSDAY)
    agreement = agreement.end_on(SUNDAY - timedelta(days=1), EndReason.DEATH)
    prices = [price_of_day(agreement, MONDAY + timedelta(days=i)) for i in range(-1, 8)]
    assert prices == [0, 2400, 2400, 0, 2400, 2400, 2400, 0, 0]


def test_a_double_up_visit_pays_each_carer():
    agreement = home_care(schedule=daily_visit(minutes=45, carers=2))
    assert price_of_day(agreement, MONDAY) == 2 * 1800


def test_each_visit_is_rounded_half_up_to_the_penny():
    agreement = home_care(rates=[hourly(2385)], schedule=daily_visit(minutes=25))
    assert price_of_day(agreement, MONDAY) == 994  # 25 * 2385 / 60 = 993.75


def test_evening_weekend_and_bank_holiday_rates_apply_to_their_visits():
    rates = [hourly(2400), hourly(2700, time_band=TimeBand.EVENING),
             hourly(3000, day_category=DayCategory.WEEKEND), hourly(4800, day_category=DayCategory.BANK_HOLIDAY)]
    evening = home_care(rates=rates, schedule=daily_visit(at=time(20, 0)), start=date(2026, 3, 30))
    assert price_of_day(evening, date(2026, 3, 31)) == 2700  # Tuesday evening
    assert price_of_day(evening, date(2026, 4, 4)) == 3000  # Saturday: the day outranks the band
    assert price_of_day(evening, date(2026, 4, 6)) == 4800  # Easter Monday 2026


def test_weekly_plan_units_cost_exactly_the_weekly_amount_over_a_full_week():
    agreement = residential(weekly_pence=70001)
    assert price_of_period(agreement, MONDAY, SUNDAY) == 70001
    assert price_of_day(agreement, MONDAY) == 10000  # 70001 / 7 rounded


def test_weekly_hours_on_plan_cost_hours_times_the_hourly_rate():
    agreement = residential().vary(MONDAY, rates=[hourly(2000)], weekly_units=Decimal("37.5"))
    assert price_of_period(agreement, MONDAY, SUNDAY) == 75000
