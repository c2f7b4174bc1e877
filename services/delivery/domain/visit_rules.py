"""The visit rules (docs/domain.md, "Visit rules"): what one carer's attendance is paid, and what is flagged.

Every rule is configurable per agreement through `VisitRules`; the defaults are the platform's.
Pure functions of plain values: the caller supplies the planned visit's start and duration and
the rate in force on the visit's local date.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from contracts.common import RoundingPolicy
from services.delivery.domain.attendance import CheckInMethod, ExceptionCode
from shared.money import round_half_up


class FlagCode(StrEnum):
    LATE = "late"
    SHORT = "short"
    MANUAL_CHECK_IN = "manual_check_in"
    FRUSTRATED = "frustrated"
    CANCELLED_SHORT_NOTICE = "cancelled_short_notice"
    HOSPITAL_ADMISSION = "hospital_admission"
    OVER_PLANNED_CAPPED = "over_planned_capped"
    EXCESS_CARER = "excess_carer"  # more carers logged than the visit needs: the extra is not paid
    FEWER_CARERS_THAN_REQUIRED = "fewer_carers_than_required"
    WITHDRAWN = "withdrawn"  # the carer's record was corrected onto another visit, or now matches none


@dataclass(frozen=True, slots=True)
class Flag:
    code: FlagCode
    reason: str


@dataclass(frozen=True, slots=True)
class VisitRules:
    """One agreement's visit rules. The defaults are the platform's default rule set."""

    rounding: RoundingPolicy = RoundingPolicy.NEAREST_15
    cap_at_planned: bool = True  # False only where an approved variation allows paying over plan
    late_after_minutes: int = 30  # check-in strictly more than this after planned start is late
    short_below_percent: int = 75  # actual duration strictly below this share of planned is short
    pay_frustrated: bool = True  # NOACCESS: paid at planned duration when the terms allow
    pay_short_notice_cancellation: bool = True  # CANCELLED_SHORT_NOTICE: paid at planned duration

    late_after: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.late_after_minutes < 0 or not 0 <= self.short_below_percent <= 100:
            raise ValueError("late_after_minutes must be >= 0 and short_below_percent within 0..100")
        object.__setattr__(self, "late_after", timedelta(minutes=self.late_after_minutes))


DEFAULT_RULES = VisitRules()


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the rules make of one carer's attendance (before the rate is applied)."""

    actual_minutes: int | None  # None when there is no check-in and check-out (exception records)
    payable_minutes: int
    flags: tuple[Flag, ...]


def attended_minutes(check_in: datetime, check_out: datetime) -> int:
    """Duration in whole minutes (seconds dropped); aware datetimes, so a DST change counts right."""
    return int((check_out - check_in).total_seconds() // 60)


def rounded_minutes(minutes: int, policy: RoundingPolicy) -> int:
    """Payable minutes under a rounding policy, before the cap."""
    if policy is RoundingPolicy.NEAREST_15:
        return 15 * ((minutes + 7) // 15)  # ±7 band: 8–22 → 15, 23–37 → 30, 0–7 → 0
    if policy is RoundingPolicy.UP_15:
        return 15 * -(-minutes // 15)
    if policy is RoundingPolicy.PER_MINUTE:
        return minutes
    raise ValueError(f"unknown rounding policy {policy!r}")


def price(payable_minutes: int, rate_pence_per_hour: int) -> int:
    """Amount in pence: payable minutes at an hourly rate, rounded half up to the penny."""
    return round_half_up(payable_minutes * rate_pence_per_hour, 60)


def assess_attendance(*, check_in: datetime | None, check_out: datetime | None,
                      check_in_method: CheckInMethod, exception_code: ExceptionCode | None,
                      planned_start: datetime, planned_minutes: int,
                      rules: VisitRules = DEFAULT_RULES) -> Assessment:
    """Payable minutes and flags of one carer's attendance at a planned visit."""
    flags: list[Flag] = []
    if check_in_method is CheckInMethod.MANUAL:
        flags.append(Flag(FlagCode.MANUAL_CHECK_IN, "times entered by hand, not by app or landline"))
    if check_in is not None:
        late_by = check_in - planned_start
        if late_by > rules.late_after:
            flags.append(Flag(FlagCode.LATE, f"checked in {_minutes(late_by)} min after planned start "
                                             f"(more than {rules.late_after_minutes} is late)"))
    if exception_code is not None:
        payable = _exception_payable(exception_code, planned_minutes, rules, flags)
        actual = attended_minutes(check_in, check_out) if check_in and check_out else None
        return Assessment(actual, payable, tuple(flags))

    assert check_in is not None and check_out is not None  # AttendanceRecord guarantees both
    actual = attended_minutes(check_in, check_out)
    payable = rounded_minutes(actual, rules.rounding)
    if actual * 100 < planned_minutes * rules.short_below_percent:
        flags.append(Flag(FlagCode.SHORT, f"{actual} of {planned_minutes} planned min "
                                          f"(below {rules.short_below_percent}% is short)"))
    if rules.cap_at_planned and payable > planned_minutes:
        flags.append(Flag(FlagCode.OVER_PLANNED_CAPPED, f"{payable} min capped at the {planned_minutes} planned"))
        payable = planned_minutes
    return Assessment(actual, payable, tuple(flags))


def _exception_payable(code: ExceptionCode, planned_minutes: int, rules: VisitRules, flags: list[Flag]) -> int:
    if code is ExceptionCode.NOACCESS:
        paid = rules.pay_frustrated
        flags.append(Flag(FlagCode.FRUSTRATED, "no access: " + (
            f"paid at the {planned_minutes} planned min" if paid else "not paid under this agreement's terms")))
    elif code is ExceptionCode.CANCELLED_SHORT_NOTICE:
        paid = rules.pay_short_notice_cancellation
        flags.append(Flag(FlagCode.CANCELLED_SHORT_NOTICE, "cancelled under 24 h before: " + (
            f"paid at the {planned_minutes} planned min" if paid else "not paid under this agreement's terms")))
    else:  # HOSPITAL: the agreement is suspended from the admission; nothing is paid for it
        paid = False
        flags.append(Flag(FlagCode.HOSPITAL_ADMISSION, "admitted to hospital: not paid; the agreement is suspended"))
    return planned_minutes if paid else 0


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
