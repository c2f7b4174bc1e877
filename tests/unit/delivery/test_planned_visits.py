"""Planned visits from weekly schedules, matching, unallocated and missed (matching.py)."""
from __future__ import annotations

from datetime import date, time, timedelta

from services.delivery.domain.matching import (
    PlannedVisitIndex, ScheduledVisit, ScheduleVersion, Suspension, Unallocated, allocate, match_attendance,
    missed_visits, planned_visits, visit_cutoff)

from .builders import MONDAY, planned, record, schedule, utc

MORNING = ScheduledVisit(weekday=0, start=time(9), minutes=30)
WEDNESDAY_PAIR = ScheduledVisit(weekday=2, start=time(18), minutes=45, carers_required=2)


def days(visits) -> list[date]:
    return [v.local_date for v in visits]


def test_weekly_schedule_plans_each_slot_on_its_weekday():
    visits = planned_visits(schedule(MORNING, WEDNESDAY_PAIR), MONDAY, MONDAY + timedelta(days=13))
    assert days(visits) == [date(2024, 3, 4), date(2024, 3, 6), date(2024, 3, 11), date(2024, 3, 13)]
    pair = visits[1]
    assert (pair.planned_start, pair.planned_end) == (utc(2024, 3, 6, 18), utc(2024, 3, 6, 18, 45))
    assert (pair.planned_minutes, pair.carers_required) == (45, 2)
    assert pair.key == "AGR-1/2024-03-06/18:00"


def test_no_visits_are_planned_before_the_agreement_starts_or_after_it_ends():
    agreement = schedule(MORNING, start=MONDAY, end=date(2024, 3, 18))
    assert days(planned_visits(agreement, date(2024, 2, 1), date(2024, 3, 31))) == [
        date(2024, 3, 4), date(2024, 3, 11), date(2024, 3, 18)]


def test_a_suspension_stops_visits_until_the_day_it_resumes():
    agreement = schedule(MORNING, suspensions=(Suspension(date(2024, 3, 10), resumed_on=date(2024, 3, 18)),))
    assert days(planned_visits(agreement, MONDAY, date(2024, 3, 25))) == [
        date(2024, 3, 4), date(2024, 3, 18), date(2024, 3, 25)]


def test_an_open_suspension_stops_every_later_visit():
    agreement = schedule(MORNING, suspensions=(Suspension(date(2024, 3, 5)),))
    assert days(planned_visits(agreement, MONDAY, date(2024, 4, 30))) == [MONDAY]


def test_a_variation_changes_the_schedule_from_its_effective_date():
    longer = ScheduledVisit(weekday=0, start=time(10), minutes=60)
    agreement = schedule(versions=(ScheduleVersion(MONDAY, (MORNING,)), ScheduleVersion(date(2024, 3, 11), (longer,))))
    visits = planned_visits(agreement, MONDAY, date(2024, 3, 18))
    assert [(v.local_date, v.planned_minutes) for v in visits] == [
        (date(2024, 3, 4), 30), (date(2024, 3, 11), 60), (date(2024, 3, 18), 60)]


def test_planned_start_is_london_wall_clock_time_across_the_dst_change():
    sundays = ScheduledVisit(weekday=6, start=time(9), minutes=30)
    visits = planned_visits(schedule(sundays), date(2024, 3, 24), date(2024, 3, 31))
    assert [v.planned_start for v in visits] == [utc(2024, 3, 24, 9), utc(2024, 3, 31, 8)]


def test_attendance_matches_the_planned_visit_of_its_person_provider_and_day():
    visit = planned()
    assert match_attendance(record(), PlannedVisitIndex([visit])) == visit


def test_nearest_planned_start_wins():
    early, late = planned(at=time(8)), planned(at=time(9, 30))
    assert match_attendance(record(at=time(9, 10)), PlannedVisitIndex([early, late])) == late


def test_planned_start_exactly_2_hours_away_still_matches():
    visit = planned(at=time(9))
    assert match_attendance(record(at=time(11)), PlannedVisitIndex([visit])) == visit


def test_record_more_than_2_hours_from_any_planned_visit_is_unallocated():
    found = match_attendance(record(at=time(11, 1)), PlannedVisitIndex([planned(at=time(9))]))
    assert isinstance(found, Unallocated) and found.reason == "no_planned_visit_within_2_hours"


def test_record_for_another_person_or_day_is_unallocated():
    index = PlannedVisitIndex([planned(person="SU-0002"), planned(day=MONDAY + timedelta(days=1))])
    found = match_attendance(record(), index)
    assert isinstance(found, Unallocated) and found.reason == "no_planned_visit_that_day"


def test_a_late_check_in_still_matches_its_visit():
    visit = planned()
    assert match_attendance(record(late_by=150), PlannedVisitIndex([visit])) == visit


def test_allocate_puts_every_record_in_exactly_one_place():
    visit = planned()
    records = [record(), record(carer_id="C-2"), record(at=time(15))]
    allocation = allocate(records, PlannedVisitIndex([visit]))
    assert allocation.matched == {visit.key: records[:2]}
    assert [u.record for u in allocation.unallocated] == [records[2]]


def test_visit_with_no_record_is_missed_at_the_end_of_its_local_day():
    visit = planned()
    assert visit_cutoff(visit) == utc(2024, 3, 5, 0)
    assert missed_visits([visit], set(), now=utc(2024, 3, 4, 23, 59)) == []
    assert missed_visits([visit], set(), now=utc(2024, 3, 5, 0)) == [visit]


def test_missed_cut_off_is_local_midnight_in_summer():
    visit = planned(day=date(2024, 7, 1))
    assert visit_cutoff(visit) == utc(2024, 7, 1, 23)


def test_missed_cut_off_can_be_a_grace_period_after_planned_end():
    visit = planned()  # ends 09:30
    assert missed_visits([visit], set(), now=utc(2024, 3, 4, 10, 29), after_end=timedelta(hours=1)) == []
    assert missed_visits([visit], set(), now=utc(2024, 3, 4, 10, 30), after_end=timedelta(hours=1)) == [visit]


def test_visit_with_a_record_is_not_missed():
    visit = planned()
    assert missed_visits([visit], {visit.key}, now=utc(2024, 3, 9, 0)) == []
