"""The visit rules (docs/domain.md, "Visit rules"), at their boundaries (services/delivery/domain/visit_rules.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.common import RoundingPolicy
from services.delivery.domain.attendance import CheckInMethod, ExceptionCode
from services.delivery.domain.visit_rules import (
    FlagCode, VisitRules, assess_attendance, attended_minutes, price, rounded_minutes)

from .builders import utc

PLANNED_START = utc(2024, 3, 4, 9)


def assess(minutes: int | None = 30, *, planned: int = 30, late_by: int = 0, method: str = "app",
           code: ExceptionCode | None = None, rules: VisitRules = VisitRules()):
    check_in = PLANNED_START + timedelta(minutes=late_by) if minutes is not None else None
    check_out = check_in + timedelta(minutes=minutes) if check_in is not None else None
    return assess_attendance(check_in=check_in, check_out=check_out, check_in_method=CheckInMethod(method),
                             exception_code=code, planned_start=PLANNED_START, planned_minutes=planned, rules=rules)


def codes(assessment) -> set[FlagCode]:
    return {f.code for f in assessment.flags}


@pytest.mark.parametrize(("minutes", "payable"), [
    (0, 0), (7, 0), (8, 15), (22, 15), (23, 30), (37, 30), (38, 45), (52, 45), (53, 60)])
def test_nearest_15_rounds_within_a_7_minute_band(minutes, payable):
    assert rounded_minutes(minutes, RoundingPolicy.NEAREST_15) == payable


@pytest.mark.parametrize(("minutes", "payable"), [(0, 0), (1, 15), (15, 15), (16, 30), (30, 30), (31, 45)])
def test_up_15_rounds_every_started_quarter_up(minutes, payable):
    assert rounded_minutes(minutes, RoundingPolicy.UP_15) == payable


@pytest.mark.parametrize("minutes", [0, 7, 8, 23, 37, 38, 59])
def test_per_minute_pays_the_minutes_attended(minutes):
    assert rounded_minutes(minutes, RoundingPolicy.PER_MINUTE) == minutes


def test_rounding_policy_is_the_agreements_choice():
    assert assess(16, rules=VisitRules(rounding=RoundingPolicy.UP_15)).payable_minutes == 30
    assert assess(16, rules=VisitRules(rounding=RoundingPolicy.PER_MINUTE)).payable_minutes == 16
    assert assess(16).payable_minutes == 15  # default nearest_15


def test_duration_is_whole_minutes_with_seconds_dropped():
    assert attended_minutes(PLANNED_START, PLANNED_START + timedelta(minutes=22, seconds=59)) == 22


def test_payable_minutes_are_capped_at_planned_duration():
    a = assess(44, planned=30)
    assert a.payable_minutes == 30
    assert FlagCode.OVER_PLANNED_CAPPED in codes(a)


def test_rounding_to_planned_is_not_flagged_as_capped():
    a = assess(37, planned=30)
    assert a.payable_minutes == 30 and FlagCode.OVER_PLANNED_CAPPED not in codes(a)


def test_an_approved_variation_can_lift_the_cap():
    assert assess(44, planned=30, rules=VisitRules(cap_at_planned=False)).payable_minutes == 45


def test_check_in_30_minutes_after_planned_start_is_not_late():
    assert FlagCode.LATE not in codes(assess(late_by=30))


def test_check_in_31_minutes_after_planned_start_is_late_and_still_paid():
    a = assess(30, late_by=31)
    assert FlagCode.LATE in codes(a)
    assert a.payable_minutes == 30


def test_late_threshold_is_configurable():
    assert FlagCode.LATE in codes(assess(late_by=16, rules=VisitRules(late_after_minutes=15)))


def test_exactly_75_percent_of_planned_is_not_short():
    a = assess(45, planned=60)
    assert FlagCode.SHORT not in codes(a)


def test_74_percent_of_planned_is_short_and_paid_per_rounding():
    a = assess(37, planned=50)  # 74%
    assert FlagCode.SHORT in codes(a)
    assert a.payable_minutes == 30


def test_manual_check_in_is_flagged():
    assert FlagCode.MANUAL_CHECK_IN in codes(assess(method="manual"))
    assert FlagCode.MANUAL_CHECK_IN not in codes(assess(method="landline"))


def test_frustrated_visit_is_paid_at_planned_duration_and_flagged_when_terms_allow():
    a = assess(5, planned=45, code=ExceptionCode.NOACCESS)
    assert a.payable_minutes == 45
    assert FlagCode.FRUSTRATED in codes(a)


def test_frustrated_visit_is_not_paid_when_terms_do_not_allow():
    a = assess(5, planned=45, code=ExceptionCode.NOACCESS, rules=VisitRules(pay_frustrated=False))
    assert a.payable_minutes == 0
    assert FlagCode.FRUSTRATED in codes(a)


def test_short_notice_cancellation_is_paid_at_planned_duration_when_terms_allow():
    a = assess(None, planned=60, code=ExceptionCode.CANCELLED_SHORT_NOTICE)
    assert (a.payable_minutes, a.actual_minutes) == (60, None)
    assert FlagCode.CANCELLED_SHORT_NOTICE in codes(a)


def test_short_notice_cancellation_is_not_paid_when_terms_do_not_allow():
    rules = VisitRules(pay_short_notice_cancellation=False)
    a = assess(None, code=ExceptionCode.CANCELLED_SHORT_NOTICE, rules=rules)
    assert a.payable_minutes == 0 and FlagCode.CANCELLED_SHORT_NOTICE in codes(a)


def test_hospital_admission_is_not_paid():
    a = assess(None, code=ExceptionCode.HOSPITAL)
    assert a.payable_minutes == 0
    assert codes(a) == {FlagCode.HOSPITAL_ADMISSION}


def test_amount_is_payable_minutes_at_hourly_rate_rounded_half_up_to_the_penny():
    assert price(30, 2385) == 1193  # 1192.5 rounds up
    assert price(15, 2385) == 596  # 596.25 rounds down
    assert price(45, 2000) == 1500
    assert price(0, 2385) == 0


def test_visit_rules_refuse_nonsense_thresholds():
    with pytest.raises(ValueError):
        VisitRules(short_below_percent=120)
