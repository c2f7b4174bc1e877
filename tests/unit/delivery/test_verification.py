"""Verified visits, two-carer visits, corrections, rates by day and period actuals (verification.py)."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from contracts.common import RoundingPolicy
from services.delivery.domain.matching import ScheduledVisit, Suspension, planned_visits
from services.delivery.domain.rates import rate_table
from services.delivery.domain.verification import (
    AgreementTerms, period_actuals, period_actuals_difference, verification_difference, verify_deliveries,
    verify_visit)
from services.delivery.domain.visit_rules import FlagCode, VisitRules

from .builders import AGREEMENT, MONDAY, planned, record, schedule, utc

RATE = 2400  # £24.00 an hour: 30 min = 1200p
TERMS = AgreementTerms(rate_table({date(2024, 1, 1): RATE}))


def paid(verified) -> dict[str, int]:
    return {v.carer_id: v.amount_pence for v in verified}


def test_a_verified_visit_carries_minutes_rate_amount_and_flags():
    [v] = verify_visit(planned(), [record(minutes=33, late_by=31)], TERMS)
    assert (v.actual_minutes, v.payable_minutes, v.rate_pence_per_hour, v.amount_pence) == (33, 30, RATE, 1200)
    assert [f.code for f in v.flags] == [FlagCode.LATE]
    assert (v.visit_key, v.agreement_id, v.local_date, v.visit_id) == ("AGR-1/2024-03-04/09:00", AGREEMENT, MONDAY, "V-1")


def test_two_carer_visit_pays_each_carer_separately():
    verified = verify_visit(planned(carers=2), [record(carer_id="C-1"), record(carer_id="C-2")], TERMS)
    assert paid(verified) == {"C-1": 1200, "C-2": 1200}
    assert all(not v.flags for v in verified)


def test_two_carer_visit_with_one_carer_pays_one_carer():
    [v] = verify_visit(planned(carers=2), [record(carer_id="C-1")], TERMS)
    assert v.amount_pence == 1200
    assert [f.code for f in v.flags] == [FlagCode.FEWER_CARERS_THAN_REQUIRED]


def test_no_more_carers_are_paid_than_the_visit_needs():
    records = [record(carer_id="C-2", late_by=2), record(carer_id="C-1")]
    verified = verify_visit(planned(carers=1), records, TERMS)
    assert paid(verified) == {"C-1": 1200, "C-2": 0}  # the first to check in is paid
    assert [f.code for f in verified[1].flags] == [FlagCode.EXCESS_CARER]


def test_a_correction_replaces_the_earlier_record_and_is_not_added():
    first, correction = record(minutes=15), record(minutes=30)
    [v] = verify_visit(planned(), [first, correction], TERMS)
    assert (v.payable_minutes, v.amount_pence) == (30, 1200)


def test_a_correction_for_another_carer_is_a_second_attendance():
    verified = verify_visit(planned(carers=2), [record(carer_id="C-1"), record(carer_id="C-2")], TERMS)
    assert len(verified) == 2


def test_mid_week_rate_change_prices_each_day_at_its_own_rate():
    rates = rate_table({date(2024, 1, 1): 2400, date(2024, 3, 6): 3000})  # from Wednesday
    agreement = schedule(*(ScheduledVisit(weekday=d, start=time(9), minutes=60) for d in range(7)))
    visits = planned_visits(agreement, MONDAY, MONDAY + timedelta(days=6))
    records = [record(minutes=60, day=v.local_date, visit_id=f"V-{v.local_date}") for v in visits]
    outcome = verify_deliveries(visits, records, {AGREEMENT: AgreementTerms(rates)})
    assert [v.amount_pence for v in outcome.verified] == [2400, 2400, 3000, 3000, 3000, 3000, 3000]
    [week] = period_actuals(outcome.verified)
    assert (week.week_start, week.attendances, week.payable_minutes, week.amount_pence) == (MONDAY, 7, 420, 19800)


def test_visit_on_dst_change_day_is_priced_on_its_local_date_with_real_elapsed_minutes():
    sunday = date(2024, 3, 31)
    rates = rate_table({date(2024, 1, 1): 2400, sunday: 3600})
    visit = planned(day=sunday, at=time(0, 30), minutes=60)
    # 00:30 GMT to 02:30 BST on the clock is one hour of care, not two.
    [v] = verify_visit(visit, [record(day=sunday, at=time(0, 30), minutes=None,
                                      check_in=utc(2024, 3, 31, 0, 30), check_out=utc(2024, 3, 31, 1, 30))],
                       AgreementTerms(rates, VisitRules(rounding=RoundingPolicy.PER_MINUTE)))
    assert (v.actual_minutes, v.local_date, v.amount_pence) == (60, sunday, 3600)


def test_visit_just_after_local_midnight_counts_in_the_london_week_it_falls_in():
    monday = date(2024, 7, 8)  # 00:30 BST on Monday is 23:30 UTC on Sunday
    visit = planned(day=monday, at=time(0, 30))
    assert visit.planned_start == utc(2024, 7, 7, 23, 30)
    outcome = verify_deliveries([visit], [record(day=monday, at=time(0, 30))], {AGREEMENT: TERMS})
    assert [(p.week_start, p.amount_pence) for p in period_actuals(outcome.verified)] == [(monday, 1200)]


def test_unmatched_record_is_unallocated_and_not_paid():
    outcome = verify_deliveries([planned()], [record(at=time(15))], {AGREEMENT: TERMS})
    assert outcome.verified == [] and len(outcome.unallocated) == 1


def test_planned_visit_without_record_is_missed_once_its_cut_off_passes():
    visits = [planned(), planned(at=time(18))]
    outcome = verify_deliveries(visits, [record()], {AGREEMENT: TERMS}, now=utc(2024, 3, 5, 0))
    assert outcome.missed == [visits[1]]
    assert verify_deliveries(visits, [record()], {AGREEMENT: TERMS}, now=utc(2024, 3, 4, 20)).missed == []


def test_cancelled_visit_is_not_missed_and_is_paid_per_terms():
    outcome = verify_deliveries([planned()], [record(minutes=None, exception_code="CANCELLED_SHORT_NOTICE")],
                                {AGREEMENT: TERMS}, now=utc(2024, 3, 5, 0))
    assert outcome.missed == [] and paid(outcome.verified) == {"C-1": 1200}


def test_a_record_for_an_agreement_without_terms_is_a_wiring_error():
    with pytest.raises(KeyError, match="AGR-1"):
        verify_deliveries([planned()], [record()], {})


def test_period_actuals_total_per_agreement_and_week():
    next_monday = MONDAY + timedelta(days=7)
    visits = [planned(), planned(day=MONDAY + timedelta(days=1)), planned(day=next_monday)]
    records = [record(day=v.local_date, visit_id=str(v.local_date)) for v in visits]
    totals = period_actuals(verify_deliveries(visits, records, {AGREEMENT: TERMS}).verified)
    assert [(p.week_start, p.attendances, p.payable_minutes, p.amount_pence) for p in totals] == [
        (MONDAY, 2, 60, 2400), (next_monday, 1, 30, 1200)]


def test_difference_of_a_correction_is_the_change_only():
    visits = [planned(), planned(day=MONDAY + timedelta(days=1))]
    records = [record(minutes=15, visit_id="A"), record(day=visits[1].local_date, visit_id="B")]
    old = verify_deliveries(visits, records, {AGREEMENT: TERMS}).verified
    new = verify_deliveries(visits, records + [record(minutes=30, visit_id="A")], {AGREEMENT: TERMS}).verified
    [diff] = verification_difference(old, new)
    assert (diff.payable_minutes_delta, diff.amount_pence_delta) == (15, 600)
    assert diff.old.payable_minutes == 15 and diff.new.payable_minutes == 30
    [week] = period_actuals_difference(old, new)
    assert (week.attendances, week.payable_minutes, week.amount_pence) == (0, 15, 600)


def test_difference_when_a_correction_moves_a_record_to_another_visit():
    visits = [planned(at=time(9)), planned(at=time(17))]
    old = verify_deliveries(visits, [record(at=time(9))], {AGREEMENT: TERMS}).verified
    new = verify_deliveries(visits, [record(at=time(9)), record(at=time(17))], {AGREEMENT: TERMS}).verified
    diffs = verification_difference(old, new)
    assert [(d.old is None, d.new is None, d.amount_pence_delta) for d in diffs] == [
        (False, True, -1200), (True, False, 1200)]
    assert period_actuals_difference(old, new) == []


def test_no_difference_when_nothing_changed():
    old = verify_deliveries([planned()], [record()], {AGREEMENT: TERMS}).verified
    assert verification_difference(old, list(old)) == []


def test_rate_table_refuses_a_date_before_its_first_rate():
    with pytest.raises(LookupError):
        rate_table({date(2024, 4, 1): 2400})(date(2024, 3, 31))


def test_visit_across_the_autumn_clock_change_is_paid_for_real_elapsed_minutes():
    sunday = date(2024, 10, 27)  # clocks go back at 02:00 BST to 01:00 GMT
    visit = planned(day=sunday, at=time(0, 45), minutes=90)
    attendance = record(day=sunday, at=time(0, 45), minutes=None,
                        check_in="2024-10-27T00:45:00+01:00", check_out="2024-10-27T01:15:00+00:00")
    [v] = verify_visit(visit, [attendance], AgreementTerms(rate_table({date(2024, 1, 1): RATE})))
    assert (v.actual_minutes, v.payable_minutes, v.local_date) == (90, 90, sunday)


def test_attendance_while_the_agreement_is_suspended_is_unallocated_and_not_paid():
    morning = ScheduledVisit(weekday=1, start=time(9), minutes=30)
    tuesday = MONDAY + timedelta(days=1)
    suspended = schedule(morning, suspensions=(Suspension(tuesday, resumed_on=tuesday + timedelta(days=7)),))
    visits = planned_visits(suspended, MONDAY, MONDAY + timedelta(days=13))
    records = [record(day=tuesday, visit_id="T1"), record(day=tuesday + timedelta(days=7), visit_id="T2")]
    outcome = verify_deliveries(visits, records, {AGREEMENT: TERMS})
    assert [v.visit_id for v in outcome.verified] == ["T2"]
    assert [u.record.visit_id for u in outcome.unallocated] == ["T1"]
