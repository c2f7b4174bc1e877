"""Payroll for personal assistants: timesheet CSVs (errors naming row and column), a week's gross pay and
its export for the bureau, the bureau's net pay (checked, and two people above the threshold), and the
net pay a weekly run pays each PA from the managed account."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import pytest

from contracts.agreements import DayCategory, TimeBand
from contracts.common import ServiceType
from services.payments.domain.errors import NotPermitted, RunConflict
from services.payments.domain.inputs import BankAccount, ProviderPayee
from services.payments.domain.net_pay import (NetPayRefused, NetPayRow, NetPayStatus, check_net_pay,
                                              parse_net_pay_csv, upload)
from services.payments.domain.payroll import ApprovedShift, NetPayDue, payroll_payments, payroll_week, \
    write_payroll_csv
from services.payments.domain.proposal import RunRequest, propose_run
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import ExclusionReason, LineKind, PayeeKind
from services.payments.domain.shift_pay import BandPay
from services.payments.domain.timesheet_csv import parse_timesheet_csv
from services.payments.domain.timesheets import PersonalAssistant, TimesheetRefused
from tests.unit.payments.builders import CALENDAR, PAY_DATE, PROPOSED_AT, PROPOSER, SETTINGS

DAY, EVENING, NIGHT = TimeBand.DAY, TimeBand.EVENING, TimeBand.NIGHT
WEEK = date(2026, 5, 4)
AT = datetime(2026, 5, 12, 9, 0, tzinfo=timezone.utc)


# --- timesheet CSV -----------------------------------------------------------------------------------

def csv_problems(text: str) -> list[tuple[tuple, str]]:
    with pytest.raises(TimesheetRefused) as refused:
        parse_timesheet_csv(text)
    return [(p.loc, p.message) for p in refused.value.problems]


def test_a_timesheet_csv_gives_its_shifts_by_row():
    shifts = parse_timesheet_csv("\ufeffwork_date,start,end,note\r\n2026-05-06,09:00,13:00,shopping\r\n\r\n"
                                 "07/05/2026,22:00,07:00,\r\n")
    assert [(s.label, s.work_date, s.start, s.end, s.note) for s in shifts] == [
        ("row 2", date(2026, 5, 6), time(9), time(13), "shopping"), ("row 4", date(2026, 5, 7), time(22), time(7), "")]
    assert shifts[0].name("end") == "row 2 column end"


def test_every_bad_cell_is_named_by_row_and_column():
    found = csv_problems("work_date,start,end\n2026-05-06,9am,13:00\n2026-13-01,09:00,\n2026-05-08,09:00,10:00,x\n")
    assert found == [
        (("row", 2, "start"), "row 2 column start: '9am' is not a time HH:MM"),
        (("row", 3, "work_date"), "row 3 column work_date: '2026-13-01' is not a date YYYY-MM-DD"),
        (("row", 3, "end"), "row 3 column end: is empty"),
        (("row", 4, "end"), "row 4 column end: the row has 4 cells but the header names 3 columns")]


@pytest.mark.parametrize("header, says", [("work_date,start", "missing column(s) end"),
                                          ("pa_id,work_date,start,end", "unknown column(s) pa_id"),
                                          ("work_date,start,end,end", "a column is named twice")])
def test_a_header_that_is_not_the_timesheets_is_refused_on_row_1(header, says):
    [(loc, message)] = csv_problems(header + "\n2026-05-06,09:00,10:00\n")
    assert loc == ("row", 1) and says in message


def test_a_file_without_shifts_is_refused():
    assert csv_problems("work_date,start,end\n\n") == [(("row", 2), "row 2: the file has no shifts")]


# --- a week's gross pay and its export -----------------------------------------------------------------

def band(b: TimeBand, hourly: int, minutes: int, pence: int, category=None) -> BandPay:
    return BandPay(b, category, hourly, minutes, pence)


SHIFTS = [
    ApprovedShift("PA-2", date(2026, 5, 4), (band(DAY, 1200, 480, 9600, DayCategory.BANK_HOLIDAY),)),
    ApprovedShift("PA-2", date(2026, 5, 5), (band(DAY, 1000, 240, 4000),)),
    ApprovedShift("PA-1", date(2026, 5, 6), (band(DAY, 1000, 120, 2000), band(EVENING, 1101, 30, 551),
                                             band(NIGHT, 1300, 50, 1083))),
    ApprovedShift("PA-1", date(2026, 5, 11), (band(DAY, 1000, 60, 1000),)),  # the next week
]


def test_a_weeks_gross_is_the_sum_of_its_approved_shifts_pay_by_pa():
    weeks = payroll_week(WEEK, {"PA-1": "EMP-A", "PA-2": "EMP-B"}, SHIFTS)
    assert [(w.employee_ref, w.gross_pence, w.shifts, w.minutes[DAY]) for w in weeks] == [
        ("EMP-A", 3634, 1, 120), ("EMP-B", 13600, 2, 720)]
    assert weeks[1].rates[DAY] == (1000, 1200)


def test_the_payroll_export_has_one_row_per_pa_with_hours_by_band_rates_and_gross():
    text = write_payroll_csv(payroll_week(WEEK, {"PA-1": "EMP-A", "PA-2": "=EMP-B"}, SHIFTS))
    assert text.split("\r\n") == [
        "employee_ref,pa_id,period_start,period_end,hours_day,hours_evening,hours_night,rate_day_pence,"
        "rate_evening_pence,rate_night_pence,gross_pence",
        "'=EMP-B,PA-2,2026-05-04,2026-05-10,12.00,0.00,0.00,1000|1200,,,13600",
        "EMP-A,PA-1,2026-05-04,2026-05-10,2.00,0.50,0.83,1000,1101,1300,3634",
        ""]


# --- net pay from the bureau ---------------------------------------------------------------------------

PAS = [PersonalAssistant("PA-1", "DP-1", "P-1", "EMP-A", date(2026, 1, 1), None, ()),
       PersonalAssistant("PA-2", "DP-1", "P-1", "EMP-B", date(2026, 1, 1), None, ())]
GROSS = {"PA-1": 3634, "PA-2": 13600}


def net_problems(text: str, recorded=None) -> list[tuple[tuple, str]]:
    with pytest.raises(NetPayRefused) as refused:
        check_net_pay(parse_net_pay_csv(text), WEEK, date(2026, 5, 12), PAS, GROSS, recorded or {})
    return [(p.loc, p.message) for p in refused.value.problems]


def test_net_pay_rows_are_checked_against_each_pas_gross():
    lines, unchanged = check_net_pay(parse_net_pay_csv("employee_ref,tax,net_pence\nEMP-A,0,3000\nEMP-B,1,12000\n"),
                                     WEEK, date(2026, 5, 12), PAS, GROSS, {})
    assert [(n.pa_id, n.net_pence, n.gross_pence, n.line_id) for n in lines] == [
        ("PA-1", 3000, 3634, "PAY/PA-1/2026-05-04"), ("PA-2", 12000, 13600, "PAY/PA-2/2026-05-04")]
    assert unchanged == 0


def test_bad_net_pay_rows_are_named_by_row_and_column():
    found = net_problems("employee_ref,net_pence\nEMP-A,3635\nEMP-Z,100\nEMP-B,0\nEMP-A,1\n")
    assert found == [
        (("row", 2, "net_pence"), "row 2 column net_pence: 3635 must be above 0 and at most the gross pay of 3634 "
                                  "(£36.34)"),
        (("row", 3, "employee_ref"), "row 3 column employee_ref: EMP-Z is not the employee reference of a PA of "
                                     "this direct payment"),
        (("row", 4, "net_pence"), "row 4 column net_pence: 0 must be above 0 and at most the gross pay of 13600 "
                                  "(£136.00)"),
        (("row", 5, "employee_ref"), "row 5 column employee_ref: EMP-A is also on row 2")]


def test_net_pay_cells_that_cannot_be_read_are_named_first():
    assert net_problems("employee_ref,net_pence\n,5\nEMP-C,12.50\n") == [
        (("row", 2, "employee_ref"), "row 2 column employee_ref: is empty"),
        (("row", 3, "net_pence"), "row 3 column net_pence: '12.50' is not a whole number of pence")]
    assert net_problems("employee_ref,amount\nEMP-A,5\n")[0][0] == ("row", 1)


def test_a_pa_without_approved_hours_in_the_week_has_no_net_pay():
    with pytest.raises(NetPayRefused, match="PA-2 has no approved hours in the week from 2026-05-04"):
        check_net_pay([NetPayRow(2, "EMP-B", 100)], WEEK, date(2026, 5, 12), PAS, {"PA-1": 3634}, {})


def test_net_pay_is_recorded_once_per_pa_and_week():
    rows = parse_net_pay_csv("employee_ref,net_pence\nEMP-A,3000\nEMP-B,12000\n")
    lines, unchanged = check_net_pay(rows, WEEK, date(2026, 5, 12), PAS, GROSS, {"PA-1": 3000})
    assert [n.pa_id for n in lines] == ["PA-2"] and unchanged == 1
    with pytest.raises(RunConflict, match="already recorded as 2999, not 3000"):
        check_net_pay(rows, WEEK, date(2026, 5, 12), PAS, GROSS, {"PA-1": 2999})


def test_net_pay_waits_until_the_week_has_ended():
    with pytest.raises(Exception, match="recorded once it has ended"):
        check_net_pay([NetPayRow(2, "EMP-A", 1)], WEEK, date(2026, 5, 10), PAS, GROSS, {})


@dataclass(frozen=True)
class By:
    subject: str
    role: str


def test_net_pay_above_the_threshold_needs_a_second_finance_approver():
    lines, _ = check_net_pay(parse_net_pay_csv("employee_ref,net_pence\nEMP-A,3000\nEMP-B,12000\n"), WEEK,
                             date(2026, 5, 12), PAS, GROSS, {})
    maker = By("olivia", "finance_officer")
    assert upload("U1", "DP-1", WEEK, lines, maker, AT, 15_000).status is NetPayStatus.RECORDED
    pending = upload("U2", "DP-1", WEEK, lines, maker, AT, 14_999)
    assert pending.status is NetPayStatus.PENDING and pending.total_pence == 15_000
    with pytest.raises(NotPermitted, match="olivia uploaded net pay U2"):
        pending.approve(By("olivia", "finance_approver"), AT)
    with pytest.raises(NotPermitted, match="needs the finance_approver role"):
        pending.approve(By("bo", "finance_officer"), AT)
    approved = pending.approve(By("abdul", "finance_approver"), AT)
    assert approved.status is NetPayStatus.RECORDED and approved.decided_by == "abdul"
    with pytest.raises(RunConflict):
        approved.approve(By("zara", "finance_approver"), AT)
    with pytest.raises(NotPermitted):
        upload("U3", "DP-1", WEEK, lines, By("bo", "brokerage_officer"), AT, 50_000)


def test_a_weeks_net_pay_split_into_small_files_still_needs_a_second_person():
    """The threshold is the direct payment's week: what was recorded or pending before counts."""
    lines, _ = check_net_pay(parse_net_pay_csv("employee_ref,net_pence\nEMP-B,12000\n"), WEEK,
                             date(2026, 5, 12), PAS, GROSS, {})
    maker = By("olivia", "finance_officer")
    assert upload("U1", "DP-1", WEEK, lines, maker, AT, 15_000).status is NetPayStatus.RECORDED
    assert upload("U2", "DP-1", WEEK, lines, maker, AT, 15_000, already_pence=3_000).status is NetPayStatus.RECORDED
    assert upload("U3", "DP-1", WEEK, lines, maker, AT, 15_000, already_pence=3_001).status is NetPayStatus.PENDING


# --- paid in a weekly run ------------------------------------------------------------------------------

def payee(pa_id: str, *, verified: bool = True, account: str = "12345678") -> ProviderPayee:
    return ProviderPayee(pa_id, pa_id, BankAccount("200000", account, f"ACCOUNT OF {pa_id}"), bank_verified=verified)


def due(pa_id: str, week: date, pence: int, **kw) -> NetPayDue:
    return NetPayDue(pa_id, week, pence, "DP-1", "P-1", f"EMP-{pa_id}", "ASC-DP", kw.pop("payee", payee(pa_id)), **kw)


def test_each_pa_is_paid_once_with_a_payroll_line_per_week_funded_by_the_direct_payment():
    made = payroll_payments([due("PA-1", WEEK, 3000), due("PA-1", date(2026, 5, 11), 2000), due("PA-2", WEEK, 12000)],
                            lambda n: f"REF-{n}", 3)
    assert [(p.reference, p.payee_kind, p.payee_id, p.amount_pence) for p in made] == [
        ("REF-3", PayeeKind.PERSONAL_ASSISTANT, "PA-1", 5000), ("REF-4", PayeeKind.PERSONAL_ASSISTANT, "PA-2", 12000)]
    line = made[0].lines[0]
    assert (line.line_id, line.kind, line.settles, line.funded_by, line.service_type, line.cost_centre,
            line.period_start, line.period_end, line.person_ref) == (
        "PAY/PA-1/2026-05-04", LineKind.PAYROLL, "PAY/PA-1/2026-05-04", "DP-1", ServiceType.DIRECT_PAYMENT, "ASC-DP",
        WEEK, date(2026, 5, 10), "P-1")
    assert made[0].payee_name == "ACCOUNT OF PA-1"


def test_a_pa_without_verified_bank_details_or_paid_back_from_this_account_is_left_out():
    made = payroll_payments([due("PA-1", WEEK, 3000, payee=None),
                             due("PA-2", WEEK, 100, payee=payee("PA-2", verified=False)),
                             due("PA-3", WEEK, 200, returned_from=(("200000", "12345678"),)),
                             due("PA-4", WEEK, 300, returned_from=(("200000", "99999999"),))], lambda n: f"R{n}", 1)
    assert [(x.subject, x.reason) for x in made[:3]] == [
        ("PA-1", ExclusionReason.NO_BANK_DETAILS), ("PA-2", ExclusionReason.UNVERIFIED_BANK_DETAILS),
        ("PAY/PA-3/2026-05-04", ExclusionReason.ON_HOLD)]
    assert (made[3].payee_id, made[3].reference, made[3].amount_pence) == ("PA-4", "R1", 300)


@pytest.mark.parametrize("kind, paid", [(RunKind.WEEKLY, True), (RunKind.FOUR_WEEKLY, False)])
def test_net_pay_is_paid_by_the_weekly_run(kind, paid):
    scheduled = next(r for r in CALENDAR.runs_between(PAY_DATE, PAY_DATE) if r.kind is kind)
    request = RunRequest("RUN-1", 7, scheduled, PROPOSER.subject, PROPOSED_AT)
    run = propose_run(request, [], {}, [], SETTINGS, managed_funds={"DP-1": 3000}, payroll=[due("PA-1", WEEK, 3000)])
    assert [(p.reference, p.payee_id) for p in run.payments] == ([("CP000007-00001", "PA-1")] if paid else [])


def test_net_pay_the_managed_account_cannot_cover_waits():
    scheduled = next(r for r in CALENDAR.runs_between(PAY_DATE, PAY_DATE) if r.kind is RunKind.WEEKLY)
    request = RunRequest("RUN-1", 7, scheduled, PROPOSER.subject, PROPOSED_AT)
    run = propose_run(request, [], {}, [], SETTINGS, managed_funds={"DP-1": 2999}, payroll=[due("PA-1", WEEK, 3000)])
    assert run.payments == ()
    assert [(e.subject, e.reason) for e in run.exclusions] == [
        ("PAY/PA-1/2026-05-04", ExclusionReason.INSUFFICIENT_MANAGED_FUNDS)]
