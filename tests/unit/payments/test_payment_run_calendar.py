"""The run calendar and the Bacs three-day cycle behind each pay date."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.common import Cycle, ServiceType
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.run_calendar import BacsDates, RunCalendar, RunKind

CALENDAR = RunCalendar(four_weekly_anchor=date(2026, 3, 11))


def test_weekly_runs_fall_on_the_configured_weekday():
    runs = [r for r in CALENDAR.runs_between(date(2026, 3, 1), date(2026, 3, 31)) if r.kind is RunKind.WEEKLY]
    assert [r.pay_date for r in runs] == [date(2026, 3, 4), date(2026, 3, 11), date(2026, 3, 18), date(2026, 3, 25)]


def test_weekday_is_configurable():
    fridays = RunCalendar(four_weekly_anchor=date(2026, 3, 11), weekly_weekday=4).runs_between(
        date(2026, 3, 1), date(2026, 3, 14))
    assert [r.pay_date for r in fridays if r.kind is RunKind.WEEKLY] == [date(2026, 3, 6), date(2026, 3, 13)]


def test_four_weekly_runs_step_28_days_from_the_anchor_in_either_direction():
    runs = [r for r in CALENDAR.runs_between(date(2026, 1, 1), date(2026, 5, 31)) if r.kind is RunKind.FOUR_WEEKLY]
    assert [r.pay_date for r in runs] == [date(2026, 1, 14), date(2026, 2, 11), date(2026, 3, 11),
                                         date(2026, 4, 8), date(2026, 5, 6)]


def test_weekly_runs_pay_actuals_and_four_weekly_runs_pay_plans_and_each_pays_direct_payments_of_its_cycle():
    runs = {r.kind: r for r in CALENDAR.runs_between(date(2026, 3, 11), date(2026, 3, 11))}
    weekly, four_weekly = runs[RunKind.WEEKLY], runs[RunKind.FOUR_WEEKLY]
    assert ServiceType.HOME_CARE in weekly.service_types and weekly.include_direct_payments
    assert weekly.direct_payment_cycle is Cycle.WEEKLY
    assert ServiceType.RESIDENTIAL in four_weekly.service_types and four_weekly.include_direct_payments
    assert four_weekly.direct_payment_cycle is Cycle.FOUR_WEEKLY
    assert ServiceType.HOME_CARE not in four_weekly.service_types
    assert CALENDAR.ad_hoc(date(2026, 3, 12), include_direct_payments=True).direct_payment_cycle is None


def test_run_falling_on_a_bank_holiday_pays_on_the_working_day_before():
    # Good Friday 3 April 2026 and Easter Monday 6 April: a Monday run moves back to Thursday 2 April.
    mondays = RunCalendar(four_weekly_anchor=date(2026, 3, 11), weekly_weekday=0)
    [easter] = [r for r in mondays.runs_between(date(2026, 4, 6), date(2026, 4, 6)) if r.kind is RunKind.WEEKLY]
    assert easter.pay_date == date(2026, 4, 2)


def test_bacs_processing_day_is_the_working_day_before_the_pay_date_and_submission_the_day_before_that():
    dates = BacsDates.for_pay_date(date(2026, 3, 11))
    assert (dates.submit_by, dates.processing_day) == (date(2026, 3, 9), date(2026, 3, 10))


def test_bacs_cycle_counts_working_days_only_skipping_easter():
    dates = BacsDates.for_pay_date(date(2026, 4, 7))  # Tuesday after Easter Monday
    assert (dates.submit_by, dates.processing_day) == (date(2026, 4, 1), date(2026, 4, 2))


def test_ad_hoc_run_on_a_bank_holiday_is_refused_with_the_day_to_use_instead():
    with pytest.raises(PaymentRefused, match="2026-04-02"):
        CALENDAR.ad_hoc(date(2026, 4, 3))


def test_ad_hoc_run_pays_every_service_type():
    run = CALENDAR.ad_hoc(date(2026, 3, 12))
    assert run.kind is RunKind.AD_HOC and ServiceType.HOME_CARE in run.service_types
    assert ServiceType.NURSING in run.service_types and not run.include_direct_payments


def test_a_pay_date_shared_by_both_scheduled_runs_needs_the_kind_said():
    with pytest.raises(PaymentRefused, match="say which kind"):
        CALENDAR.run_on(date(2026, 3, 11))
    assert CALENDAR.run_on(date(2026, 3, 11), RunKind.FOUR_WEEKLY).include_direct_payments


def test_a_pay_date_the_calendar_has_no_run_for_is_an_ad_hoc_run():
    run = CALENDAR.run_on(date(2026, 3, 12))
    assert run.kind is RunKind.AD_HOC and not run.include_direct_payments
    assert CALENDAR.run_on(date(2026, 3, 12), include_direct_payments=True).include_direct_payments


def test_asking_for_a_scheduled_run_the_calendar_does_not_have_names_the_next_ones():
    with pytest.raises(PaymentRefused, match="no four_weekly run pays on 2026-03-18; the next pay on 2026-04-08"):
        CALENDAR.run_on(date(2026, 3, 18), RunKind.FOUR_WEEKLY)


def test_a_run_moved_back_by_a_holiday_is_found_on_the_day_it_pays():
    mondays = RunCalendar(four_weekly_anchor=date(2026, 3, 11), weekly_weekday=0)
    assert mondays.run_on(date(2026, 4, 2)).kind is RunKind.WEEKLY


@pytest.mark.parametrize("count", [1, 2, 3, 7, 50])
def test_the_calendar_a_page_at_a_time_is_the_whole_calendar_in_order(count):
    first, last = date(2025, 11, 1), date(2027, 2, 28)  # two Christmases: holidays move runs across windows
    whole, pages, after = CALENDAR.runs_between(first, last), [], None
    while True:
        page = CALENDAR.page(first, last, after, count)
        pages.append(page)
        if len(page) < count:
            break
        after = (page[-1].pay_date, page[-1].kind.value)
    assert [r for p in pages for r in p] == whole
    assert all(len(p) <= count for p in pages)


def test_a_page_of_the_calendar_is_bounded_by_its_size_not_its_dates():
    everything = CALENDAR.page(date(1, 1, 1), date(9999, 12, 31), None, 3)
    assert len(everything) == 3 and everything[0].pay_date.year == 1  # runs whose Bacs dates fit: from the first
    assert len(CALENDAR.page(date(9999, 11, 1), date(9999, 12, 31), None, 500)) > 0  # and to the last
    assert CALENDAR.page(date(2026, 3, 31), date(2026, 3, 1), None, 10) == []  # ends before it starts: none
