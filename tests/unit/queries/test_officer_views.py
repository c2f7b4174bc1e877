"""Officers' lists by team, status, SLA state and age band; providers and people see their own."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from contracts.queries import QueryCategory
from services.queries.domain.lifecycle import acknowledge, assign
from services.queries.domain.query import Assignment, QueryStatus
from services.queries.domain.sla import AgeBand, SlaState, acknowledge_due_at, age_band, sla_state
from services.queries.domain.views import (OfficerFilter, Order, judging_at, officer_view,
                                           open_by_category_and_age_band, own_queries)
from shared.calendar import add_working_days
from tests.unit.queries.query_builders import (HOUR, INVOICE, MONDAY, OFFICER, OTHER_PROVIDER, PERSON, PROVIDER,
                                               london, query_in, raised)


def working_days_after_monday(n: int, hour: int = 10):
    day = add_working_days(date(2026, 3, 2), n)
    return london(day.year, day.month, day.day, hour)


@pytest.mark.parametrize("age, band", [(0, AgeBand.UP_TO_2), (2, AgeBand.UP_TO_2), (3, AgeBand.UP_TO_5),
                                       (5, AgeBand.UP_TO_5), (6, AgeBand.UP_TO_10), (10, AgeBand.UP_TO_10),
                                       (11, AgeBand.UP_TO_20), (20, AgeBand.UP_TO_20), (21, AgeBand.OVER_20)])
def test_age_bands_count_working_days_since_raised(age, band):
    assert age_band(raised(), working_days_after_monday(age)) == band


def test_weekends_do_not_age_a_query():
    friday, next_monday = london(2026, 3, 6, 10), london(2026, 3, 9, 10)
    assert age_band(raised(), friday) == AgeBand.UP_TO_5  # 4 working days
    assert age_band(raised(), next_monday) == AgeBand.UP_TO_5  # 5 working days, not 7 days


def test_a_closed_query_stops_ageing():
    closed = query_in(QueryStatus.CLOSED)
    assert age_band(closed, working_days_after_monday(30)) == AgeBand.UP_TO_2


def test_an_unacknowledged_query_is_on_time_then_at_risk_with_a_day_left_then_breached():
    query = raised()  # Monday 2 March: acknowledge by the end of Wednesday 4 March
    assert sla_state(query, MONDAY + HOUR) == SlaState.ON_TIME  # two working days left
    assert sla_state(query, london(2026, 3, 3, 10)) == SlaState.AT_RISK  # one left
    assert sla_state(query, london(2026, 3, 4, 23, 59)) == SlaState.AT_RISK  # the last day
    assert sla_state(query, london(2026, 3, 5, 0, 0)) == SlaState.BREACHED


def test_once_acknowledged_the_state_follows_the_resolve_clock():
    acknowledged = acknowledge(raised(), OFFICER, MONDAY + HOUR).query  # resolve by the end of Mon 30 March
    assert sla_state(acknowledged, london(2026, 3, 26, 10)) == SlaState.ON_TIME
    assert sla_state(acknowledged, london(2026, 3, 27, 10)) == SlaState.AT_RISK
    assert sla_state(acknowledged, london(2026, 3, 31, 0, 0)) == SlaState.BREACHED


def test_a_query_resolved_in_time_is_on_time_however_long_ago():
    assert sla_state(query_in(QueryStatus.CLOSED), london(2027, 1, 4)) == SlaState.ON_TIME


def test_at_risk_counts_working_days_so_a_weekend_does_not_hide_the_risk():
    query = raised(at=london(2026, 3, 5, 10))  # Thursday: acknowledge by the end of Monday 9 March
    assert sla_state(query, london(2026, 3, 6, 16)) == SlaState.AT_RISK  # Friday: one working day left


def _work():
    """Five queries across two teams, statuses and ages, judged on Wednesday 18 March 2026."""
    old_breached = assign(raised(at=london(2026, 2, 2)), OFFICER, london(2026, 2, 2, 10),
                          Assignment(team="east")).query
    fresh_east = assign(raised(at=london(2026, 3, 18, 9)), OFFICER, london(2026, 3, 18, 9, 30),
                        Assignment(team="east")).query
    at_risk_west = assign(raised(at=london(2026, 3, 17, 9)), OFFICER, london(2026, 3, 17, 10),
                          Assignment(team="west", officer_id="u-officer-2")).query
    unassigned_breached = raised(at=london(2026, 3, 13, 9))  # acknowledge by the end of Tuesday 17 March
    closed_east = replace(query_in(QueryStatus.CLOSED, raised(at=london(2026, 3, 9))), assignment=Assignment("east"))
    ids = ("QRY-OLD", "QRY-FRESH", "QRY-RISK", "QRY-UNASSIGNED", "QRY-CLOSED")
    return [replace(q, query_id=i) for q, i in
            zip((old_breached, fresh_east, at_risk_west, unassigned_breached, closed_east), ids)]


NOW = london(2026, 3, 18, 12)


def ids(rows):
    return [r.query.query_id for r in rows]


def test_the_officer_list_shows_open_work_most_urgent_first():
    # Breached (soonest deadline first), then at risk, then on time.
    assert ids(officer_view(_work(), NOW)) == ["QRY-OLD", "QRY-UNASSIGNED", "QRY-RISK", "QRY-FRESH"]


def test_the_officer_list_filters_by_team_and_by_officer():
    assert ids(officer_view(_work(), NOW, OfficerFilter(teams=frozenset({"east"})))) == ["QRY-OLD", "QRY-FRESH"]
    assert ids(officer_view(_work(), NOW, OfficerFilter(officer_id="u-officer-2"))) == ["QRY-RISK"]
    assert ids(officer_view(_work(), NOW, OfficerFilter(unassigned=True))) == ["QRY-UNASSIGNED"]


def test_the_officer_list_filters_by_status_sla_state_and_age_band():
    everything = OfficerFilter(statuses=None)
    assert "QRY-CLOSED" in ids(officer_view(_work(), NOW, everything))
    closed_only = OfficerFilter(statuses=frozenset({QueryStatus.CLOSED}))
    assert ids(officer_view(_work(), NOW, closed_only)) == ["QRY-CLOSED"]
    at_risk = OfficerFilter(sla_states=frozenset({SlaState.AT_RISK}))
    assert ids(officer_view(_work(), NOW, at_risk)) == ["QRY-RISK"]
    over_20 = OfficerFilter(age_bands=frozenset({AgeBand.OVER_20}))
    assert ids(officer_view(_work(), NOW, over_20)) == ["QRY-OLD"]


def test_each_row_carries_its_sla_state_age_band_and_next_deadline():
    rows = {r.query.query_id: r for r in officer_view(_work(), NOW, OfficerFilter(statuses=None))}
    assert (rows["QRY-OLD"].sla_state, rows["QRY-OLD"].age_band) == (SlaState.BREACHED, AgeBand.OVER_20)
    assert (rows["QRY-FRESH"].sla_state, rows["QRY-FRESH"].age_band) == (SlaState.ON_TIME, AgeBand.UP_TO_2)
    assert rows["QRY-FRESH"].next_due_at == london(2026, 3, 21, 0, 0)  # end of Friday 20 March
    assert rows["QRY-CLOSED"].next_due_at is None


def test_the_officer_list_can_be_ordered_by_age():
    assert ids(officer_view(_work(), NOW, order=Order.OLDEST_FIRST)) == ["QRY-OLD", "QRY-UNASSIGNED", "QRY-RISK",
                                                                         "QRY-FRESH"]
    assert ids(officer_view(_work(), NOW, order=Order.NEWEST_FIRST))[0] == "QRY-FRESH"


def test_a_provider_lists_only_its_own_queries_newest_first():
    first = replace(raised(INVOICE, PROVIDER, MONDAY, QueryCategory.LATE_PAYMENT), query_id="QRY-A")
    second = replace(raised(INVOICE, PROVIDER, MONDAY + timedelta(days=1), QueryCategory.LATE_PAYMENT),
                     query_id="QRY-B")
    persons = replace(raised(), query_id="QRY-C")
    assert ids(own_queries(PROVIDER, [first, second, persons], NOW)) == ["QRY-B", "QRY-A"]
    assert ids(own_queries(OTHER_PROVIDER, [first, second, persons], NOW)) == []
    assert ids(own_queries(PERSON, [first, second, persons], NOW)) == ["QRY-C"]


def test_open_queries_are_counted_by_category_and_age_band():
    counts = open_by_category_and_age_band(_work(), NOW)
    assert counts[(QueryCategory.MISSED_OR_LATE_VISIT, AgeBand.UP_TO_2)] == 2
    assert counts[(QueryCategory.MISSED_OR_LATE_VISIT, AgeBand.UP_TO_5)] == 1
    assert counts[(QueryCategory.MISSED_OR_LATE_VISIT, AgeBand.OVER_20)] == 1
    assert sum(counts.values()) == 4  # the closed one is not open work


def test_the_instants_a_list_is_judged_by_count_working_days_around_easter():
    """Thursday 2 April 2026 (Good Friday 3, Easter Monday 6): a running clock due by the end of Tuesday 7 is
    at risk, one due at the end of Wednesday 8 is not; a query raised since Tuesday 31 March is at most 2
    working days old, one raised on Monday 30 is 3."""
    judging = judging_at(london(2026, 4, 2, 15))
    assert judging.at_risk_before == london(2026, 4, 9, 0)
    since = dict(judging.raised_since)
    assert since[2] == london(2026, 3, 31, 0)
    assert since[5] == london(2026, 3, 26, 0)  # Thu 26 March: Fri 27 to Thu 2 April are 5 working days
    for raised_on, band in ((london(2026, 3, 31, 0), AgeBand.UP_TO_2),
                            (london(2026, 3, 30, 23, 59), AgeBand.UP_TO_5)):
        assert age_band(raised(at=raised_on), judging.now) == band
    for raised_at, state in ((london(2026, 4, 1, 10), SlaState.AT_RISK),  # acknowledge by the end of Tue 7
                             (london(2026, 4, 2, 10), SlaState.ON_TIME)):  # by the end of Wed 8
        query = raised(at=raised_at)
        assert sla_state(query, judging.now) == state
        assert (acknowledge_due_at(query) < judging.at_risk_before) == (state == SlaState.AT_RISK)
