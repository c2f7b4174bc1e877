"""A personal assistant's shifts: cut into time bands (overnight, across midnight, clock changes, bank
holidays), priced at the PA's rates (rounded half up once per shift, band and rate), and the checks a
timesheet passes (overlaps, length, future dates, employment) and who decides it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import pytest

from contracts.agreements import DayCategory, TimeBand
from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.shift_pay import Rate, pieces_of, price, shift_instants
from services.payments.domain.timesheets import (PersonalAssistant, ShiftIn, StoredShift, Timesheet, TimesheetRefused,
                                                 TimesheetStatus, check_submitter, check_timesheet)

DAY, EVENING, NIGHT = TimeBand.DAY, TimeBand.EVENING, TimeBand.NIGHT
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)  # Monday 1 June 2026, 13:00 in London
RATES = (Rate(DAY, None, 1200), Rate(EVENING, None, 1400), Rate(NIGHT, None, 1500))


def pa(*, rates=RATES, employed_from=date(2026, 1, 1), employed_to=None) -> PersonalAssistant:
    return PersonalAssistant("PA-1", "DP-1", "P-1", "EMP-7", employed_from, employed_to, tuple(rates))


def bands(work_date: date, start: str, end: str) -> list[tuple[TimeBand, date, int]]:
    starts_at, ends_at = shift_instants(work_date, time.fromisoformat(start), time.fromisoformat(end))
    return [(p.band, p.day, p.minutes) for p in pieces_of(starts_at, ends_at)]


def shift(n: int, day: date, start: str, end: str) -> ShiftIn:
    return ShiftIn(("shifts", n), f"shifts[{n}]", day, time.fromisoformat(start), time.fromisoformat(end))


def priced(rates, day: date, start: str, end: str):
    starts_at, ends_at = shift_instants(day, time.fromisoformat(start), time.fromisoformat(end))
    paid, unpriced = price(pieces_of(starts_at, ends_at), rates)
    assert unpriced == []
    return [(b.band, b.day_category, b.hourly_pence, b.minutes, b.pence) for b in paid]


# --- bands -----------------------------------------------------------------------------------------

def test_a_day_shift_lies_in_the_day_band():
    assert bands(date(2026, 5, 6), "09:00", "17:00") == [(DAY, date(2026, 5, 6), 480)]


def test_a_shift_is_cut_at_each_band_boundary():
    assert bands(date(2026, 5, 6), "17:00", "23:30") == [(DAY, date(2026, 5, 6), 120), (EVENING, date(2026, 5, 6), 180),
                                                         (NIGHT, date(2026, 5, 6), 90)]


def test_an_overnight_shift_ends_the_next_day_and_is_cut_at_midnight():
    friday, saturday = date(2026, 5, 8), date(2026, 5, 9)
    assert bands(friday, "20:00", "08:00") == [(EVENING, friday, 120), (NIGHT, friday, 120), (NIGHT, saturday, 420),
                                               (DAY, saturday, 60)]
    assert bands(friday, "22:00", "00:00") == [(NIGHT, friday, 120)]


@pytest.mark.parametrize("night, minutes", [(date(2026, 3, 28), 8 * 60), (date(2026, 10, 24), 10 * 60)],
                         ids=["clocks go forward", "clocks go back"])
def test_a_night_across_a_clock_change_counts_the_real_minutes(night, minutes):
    assert sum(m for _, _, m in bands(night, "22:00", "07:00")) == minutes


# --- pricing ---------------------------------------------------------------------------------------

def test_each_band_is_priced_at_its_rate():
    assert priced(RATES, date(2026, 5, 6), "17:00", "23:30") == [
        (DAY, None, 1200, 120, 2400), (EVENING, None, 1400, 180, 4200), (NIGHT, None, 1500, 90, 2250)]


def test_a_kind_of_day_rate_wins_over_the_every_day_rate_piece_by_piece():
    weekend_night = Rate(NIGHT, DayCategory.WEEKEND, 1800)
    friday = date(2026, 5, 8)
    assert priced(RATES + (weekend_night,), friday, "22:00", "07:00") == [
        (NIGHT, None, 1500, 120, 3000), (NIGHT, DayCategory.WEEKEND, 1800, 420, 12600)]


def test_a_bank_holiday_counts_as_one_even_across_midnight_from_a_sunday():
    holiday_day, holiday_night = Rate(DAY, DayCategory.BANK_HOLIDAY, 2400), Rate(NIGHT, DayCategory.BANK_HOLIDAY, 3000)
    rates = RATES + (holiday_day, holiday_night)
    early_may = date(2026, 5, 4)  # Monday, the early May bank holiday
    assert priced(rates, early_may, "09:00", "17:00") == [(DAY, DayCategory.BANK_HOLIDAY, 2400, 480, 19200)]
    assert priced(rates, date(2026, 5, 3), "23:00", "03:00") == [
        (NIGHT, None, 1500, 60, 1500), (NIGHT, DayCategory.BANK_HOLIDAY, 3000, 180, 9000)]


def test_a_shifts_pay_per_band_and_rate_is_rounded_half_up_once():
    # 30 minutes at 1101p an hour is 550.5p: 551p. 50 minutes at 1111p is 925.83p: 926p.
    assert priced((Rate(DAY, None, 1101),), date(2026, 5, 6), "09:00", "09:30") == [(DAY, None, 1101, 30, 551)]
    assert priced((Rate(DAY, None, 1111),), date(2026, 5, 6), "09:00", "09:50") == [(DAY, None, 1111, 50, 926)]


def test_a_band_the_pa_has_no_rate_for_is_unpriced():
    starts_at, ends_at = shift_instants(date(2026, 5, 6), time(18), time(20))
    paid, unpriced = price(pieces_of(starts_at, ends_at), (Rate(DAY, None, 1200),))
    assert [(b.band, b.minutes) for b in paid] == [(DAY, 60)] and [p.band for p in unpriced] == [EVENING]


# --- a timesheet's checks ----------------------------------------------------------------------------

def problems(shifts, stored=(), **kw) -> list[tuple[tuple, str]]:
    with pytest.raises(TimesheetRefused) as refused:
        check_timesheet(kw.pop("the_pa", pa()), shifts, stored, now=NOW, **kw)
    return [(p.loc, p.message) for p in refused.value.problems]


def test_good_shifts_are_priced():
    done = check_timesheet(pa(), [shift(0, date(2026, 5, 6), "09:00", "13:00"),
                                  shift(1, date(2026, 5, 6), "13:00", "19:30")], [], now=NOW)
    assert [(s.minutes, s.pence) for s in done] == [(240, 4800), (390, 7200 + 700)]


def test_overlapping_shifts_in_one_timesheet_are_refused_naming_both():
    found = problems([shift(0, date(2026, 5, 6), "09:00", "13:00"), shift(1, date(2026, 5, 6), "12:00", "15:00")])
    assert found == [(("shifts", 1, "start"), "shifts[1].start: 2026-05-06 12:00-15:00 overlaps shifts[0] "
                                              "(2026-05-06 09:00-13:00)")]


def test_a_shift_overlapping_one_already_submitted_is_refused_naming_its_timesheet():
    old_start, old_end = shift_instants(date(2026, 5, 5), time(22), time(6))
    stored = [StoredShift("TS-OLD", date(2026, 5, 5), time(22), time(6), old_start, old_end)]
    found = problems([shift(0, date(2026, 5, 6), "05:00", "09:00")], stored)
    assert found == [(("shifts", 0, "start"), "shifts[0].start: 2026-05-06 05:00-09:00 overlaps a shift of timesheet "
                                              "TS-OLD (2026-05-05 22:00-06:00)")]
    check_timesheet(pa(), [shift(0, date(2026, 5, 6), "06:00", "09:00")], stored, now=NOW)  # touching is fine


@pytest.mark.parametrize("start, end, says", [
    ("09:00", "09:00", "is not after the start 09:00"),
    ("06:00", "22:01", "lasts 16 h 01 min: a shift is at most 16 hours"),
    ("09:00", "08:00", "lasts 23 h 00 min"),
])
def test_a_shift_that_does_not_end_after_it_starts_or_is_too_long_is_refused(start, end, says):
    [(loc, message)] = problems([shift(0, date(2026, 5, 6), start, end)])
    assert loc == ("shifts", 0, "end") and says in message


def test_a_shift_of_sixteen_hours_is_accepted():
    [done] = check_timesheet(pa(), [shift(0, date(2026, 5, 6), "06:00", "22:00")], [], now=NOW)
    assert done.minutes == 16 * 60


def test_a_future_date_or_a_shift_not_yet_ended_is_refused():
    assert problems([shift(0, date(2026, 6, 2), "09:00", "10:00")])[0][0] == ("shifts", 0, "work_date")
    [(loc, message)] = problems([shift(0, date(2026, 6, 1), "12:00", "14:00")])  # 13:00 in London now
    assert loc == ("shifts", 0, "end") and "has not come yet" in message


@pytest.mark.parametrize("day, kw", [
    (date(2025, 12, 31), {}),
    (date(2026, 5, 2), {"the_pa": pa(employed_to=date(2026, 5, 1))}),
    (date(2026, 5, 2), {"dp_ended": date(2026, 4, 30)}),
], ids=["before employed_from", "after employed_to", "after the direct payment ended"])
def test_a_day_the_dp_does_not_employ_the_pa_is_refused(day, kw):
    [(loc, message)] = problems([shift(0, day, "09:00", "10:00")], **kw)
    assert loc == ("shifts", 0, "work_date") and message.startswith(
        "shifts[0].work_date: a timesheet for a PA the DP does not employ: PA-1 is employed under direct payment DP-1")


def test_a_week_whose_net_pay_is_recorded_is_closed():
    [(loc, message)] = problems([shift(0, date(2026, 5, 6), "09:00", "10:00")], closed_weeks={date(2026, 5, 4)})
    assert loc == ("shifts", 0, "work_date") and "is closed" in message


def test_hours_in_a_band_without_a_rate_are_refused():
    [(loc, message)] = problems([shift(0, date(2026, 5, 6), "18:00", "20:00")], the_pa=pa(rates=[Rate(DAY, None, 900)]))
    assert loc == ("shifts", 0, "start") and "no hourly rate for the evening band" in message


def test_an_empty_timesheet_is_refused():
    assert problems([]) == [(("shifts",), "shifts: a timesheet has at least one shift")]


# --- who submits and decides ----------------------------------------------------------------------------

@dataclass(frozen=True)
class By:
    subject: str
    role: str


def sheet(submitted_by: By = By("pa-user", "personal_assistant"), status=TimesheetStatus.SUBMITTED) -> Timesheet:
    return Timesheet("TS-1", "PA-1", status, submitted_by.subject, submitted_by.role)


def test_officers_submit_only_for_a_council_managed_direct_payment():
    check_submitter(By("o", "finance_officer"), pa(), council_managed=True)
    check_submitter(By("p", "person"), pa(), council_managed=False)
    with pytest.raises(NotPermitted, match="not managed by the council"):
        check_submitter(By("o", "brokerage_officer"), pa(), council_managed=False)


def test_the_employer_approves_and_a_pa_never_does():
    assert sheet().decide(By("p", "person"), False, approve=True) is TimesheetStatus.APPROVED
    with pytest.raises(NotPermitted, match="never approves"):
        sheet().decide(By("pa-user", "personal_assistant"), True, approve=True)


def test_an_officer_approves_for_a_managed_direct_payment_but_not_what_they_submitted():
    officer = By("olivia", "finance_officer")
    assert sheet().decide(officer, True, approve=True) is TimesheetStatus.APPROVED
    with pytest.raises(NotPermitted, match="not managed by the council"):
        sheet().decide(officer, False, approve=True)
    with pytest.raises(NotPermitted, match="olivia submitted timesheet TS-1"):
        sheet(submitted_by=officer).decide(officer, True, approve=True)
    assert sheet(submitted_by=officer).decide(By("bo", "brokerage_officer"), True, approve=True) \
        is TimesheetStatus.APPROVED
    # A person holding their own direct payment is the employer: they approve what they submitted themselves.
    assert sheet(submitted_by=By("p", "person")).decide(By("p", "person"), False, approve=True) \
        is TimesheetStatus.APPROVED
    # When the council is nominee it is the employer: the person does not approve the PA's hours.
    with pytest.raises(NotPermitted, match="the council, as nominee, employs"):
        sheet().decide(By("p", "person"), True, approve=True)


def test_a_rejection_says_why_and_only_a_submitted_timesheet_is_decided():
    with pytest.raises(PaymentRefused, match="say why"):
        sheet().decide(By("p", "person"), False, approve=False, reason=" ")
    assert sheet().decide(By("p", "person"), False, approve=False, reason="not worked") is TimesheetStatus.REJECTED
    with pytest.raises(RunConflict, match="is approved"):
        sheet(status=TimesheetStatus.APPROVED).decide(By("p", "person"), False, approve=True)
