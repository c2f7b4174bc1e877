"""Committed spend: the weekly forecast in force each day, within the agreement's dates, over the period."""
from __future__ import annotations

from datetime import date, timedelta

from services.reporting.domain.aggregates import Deltas, Dims
from services.reporting.domain.commitments import (Rate, Window, budget_rates, commitment_contributions, integrate,
                                                   intervals, pence_over, steps)

MONDAY = date(2026, 3, 2)
DIMS = Dims("home_care", "PRV-000000001", "P-1", mechanism="council_arranged")


def committed(spans, first: date, last: date) -> int:
    return pence_over(integrate(list(steps(spans).items()), first, last))


def test_a_full_week_commits_exactly_the_weekly_figure():
    spans = intervals([Rate(MONDAY, 7_001)], Window(MONDAY))
    assert committed(spans, MONDAY, MONDAY + timedelta(days=6)) == 7_001


def test_an_open_ended_agreement_commits_in_every_future_period():
    spans = intervals([Rate(MONDAY, 700)], Window(MONDAY))
    assert committed(spans, date(2030, 1, 7), date(2030, 1, 13)) == 700


def test_nothing_is_committed_before_the_start_after_the_end_or_while_suspended():
    window = Window(MONDAY + timedelta(days=2), MONDAY + timedelta(days=12),
                    ((MONDAY + timedelta(days=7), MONDAY + timedelta(days=9)),))
    spans = intervals([Rate(MONDAY - timedelta(days=30), 700)], window)
    # payable: Wed-Sun of week 1 (5 days) + Wed-Sat of week 2 (days 9..12: 4 days) = 9 days of 100p
    assert committed(spans, MONDAY - timedelta(days=60), MONDAY + timedelta(days=60)) == 900


def test_a_later_forecast_replaces_the_rate_from_its_day_on():
    spans = intervals([Rate(MONDAY, 700), Rate(MONDAY + timedelta(days=7), 1_400)], Window(MONDAY))
    assert committed(spans, MONDAY, MONDAY + timedelta(days=13)) == 2_100


def test_a_removed_line_stops_the_commitment():
    spans = intervals([Rate(MONDAY, 700), Rate(MONDAY + timedelta(days=3), 0)], Window(MONDAY))
    assert committed(spans, MONDAY, MONDAY + timedelta(days=60)) == 300


def test_a_month_gets_its_share_of_the_weekly_rate_rounded_half_up():
    spans = intervals([Rate(date(2026, 1, 1), 1_000)])
    assert committed(spans, date(2026, 2, 1), date(2026, 2, 28)) == 4_000
    assert committed(spans, date(2026, 3, 1), date(2026, 3, 31)) == 4_429  # 31 x 1000 / 7 = 4428.57


def test_changing_the_window_moves_only_the_difference():
    before = commitment_contributions(intervals([Rate(MONDAY, 700)], Window(MONDAY)), DIMS)
    after = commitment_contributions(intervals([Rate(MONDAY, 700)], Window(MONDAY, MONDAY + timedelta(days=6))),
                                     DIMS)
    deltas = Deltas()
    deltas.add(before)
    deltas.replace(before, after)
    rows = dict(deltas.changes("commitment_step"))
    assert rows[("provider", "", "home_care", "PRV-000000001", "council_arranged", MONDAY)] == (700,)
    assert rows[("provider", "", "home_care", "PRV-000000001", "council_arranged", MONDAY + timedelta(days=7))] == (-700,)


def test_the_latest_budget_agreed_on_a_day_wins():
    budgets = [(1, MONDAY, None, 10_000, 0), (2, MONDAY, None, 12_000, 500),
               (3, MONDAY + timedelta(days=7), None, 9_000, 0)]
    assert budget_rates(budgets) == [Rate(MONDAY, 12_000), Rate(MONDAY + timedelta(days=7), 9_000)]
