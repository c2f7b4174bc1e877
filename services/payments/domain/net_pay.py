"""Net pay the payroll bureau returns for a council-managed direct payment's week, and the two people
recording it needs.

The bureau's CSV has a header row with `employee_ref` and `net_pence` (other columns are ignored). Each
row names one PA of the direct payment with approved gross pay for the week; `net_pence` is a whole
number above 0 and no more than that gross. The week must have ended. A PA's net pay for a week is
recorded once: the same amount again changes nothing, a different one is refused (409). Any bad row
refuses the whole file, naming its row and column.

    upload (finance officer or approver) --total above the threshold--> pending --approve--> recorded
                                         --otherwise--> recorded
    pending --reject (reason)--> rejected (its weeks may be uploaded again)

A file whose total is above the threshold (CAREPAY_PAYROLL_SECOND_PERSON_ABOVE_PENCE) is pending until
a finance approver who did not upload it approves it; only recorded net pay is paid.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from shared.money import format_gbp
from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.payment_run import APPROVER_ROLE, REVIEWER_ROLES, Actor
from services.payments.domain.payroll import payroll_line_id, week_end
from services.payments.domain.timesheets import PersonalAssistant, TimesheetProblem, TimesheetRefused

REQUIRED = ("employee_ref", "net_pence")
MAX_ROWS = 1000
DEFAULT_SECOND_PERSON_ABOVE_PENCE = 50_000


class NetPayStatus(StrEnum):
    PENDING = "pending"
    RECORDED = "recorded"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class NetPayRow:
    row: int
    employee_ref: str
    net_pence: int


@dataclass(frozen=True, slots=True)
class NetPayLine:
    """A PA's net pay for the week, checked against their gross."""

    row: int
    pa_id: str
    employee_ref: str
    gross_pence: int
    net_pence: int
    week_start: date

    @property
    def line_id(self) -> str:
        return payroll_line_id(self.pa_id, self.week_start)


class NetPayRefused(TimesheetRefused):
    """A net pay file with rows that cannot be used: nothing of it is recorded."""

    def __init__(self, problems: Sequence[TimesheetProblem]) -> None:
        super().__init__(problems)
        self.field = "file"


def _problem(row: int, column: str, message: str) -> TimesheetProblem:
    return TimesheetProblem(("row", row, column), f"row {row} column {column}: {message}")


def parse_net_pay_csv(text: str) -> list[NetPayRow]:
    """The file's rows, or NetPayRefused naming each bad row and column."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [c.strip().lower() for c in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise NetPayRefused([TimesheetProblem(("row", 1), f"row 1: missing column(s) {', '.join(missing)}; the "
                                                          "bureau's file names employee_ref and net_pence")])
    ref_at, net_at = header.index("employee_ref"), header.index("net_pence")
    rows, problems = [], []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(_problem(number, "employee_ref", f"a file has at most {MAX_ROWS} rows"))
            break
        ref = cells[ref_at].strip() if ref_at < len(cells) else ""
        net = cells[net_at].strip() if net_at < len(cells) else ""
        if not ref or len(ref) > 64:
            problems.append(_problem(number, "employee_ref", "is empty" if not ref else "is over 64 characters"))
        elif not net.isascii() or not net.lstrip("-").isdigit() or len(net) > 12:
            problems.append(_problem(number, "net_pence", f"{net[:20]!r} is not a whole number of pence"))
        else:
            rows.append(NetPayRow(number, ref, int(net)))
    if problems:
        raise NetPayRefused(problems)
    if not rows:
        raise NetPayRefused([TimesheetProblem(("row", 2), "row 2: the file has no net pay")])
    return rows


def check_net_pay(rows: Sequence[NetPayRow], week_start: date, today: date, pas: Sequence[PersonalAssistant],
                  gross: Mapping[str, int], recorded: Mapping[str, int]) -> tuple[list[NetPayLine], int]:
    """The lines to record and how many rows were recorded already (the same amount).

    `pas`: the direct payment's PAs; `gross`: approved gross pence by pa_id for the week; `recorded`: net
    pence already recorded (or pending) by pa_id for the week."""
    if week_end(week_start) >= today:
        raise PaymentRefused("week_start", f"the week from {week_start} ends on {week_end(week_start)}: its net "
                                           "pay is recorded once it has ended")
    by_ref: dict[str, list[PersonalAssistant]] = {}
    for pa in pas:
        by_ref.setdefault(pa.employee_ref, []).append(pa)
    problems, lines, seen, unchanged = [], [], {}, 0
    for r in rows:
        named = by_ref.get(r.employee_ref, [])
        if r.employee_ref in seen:
            problems.append(_problem(r.row, "employee_ref", f"{r.employee_ref} is also on row {seen[r.employee_ref]}"))
            continue
        seen[r.employee_ref] = r.row
        if len(named) != 1:
            problems.append(_problem(r.row, "employee_ref", (
                f"{r.employee_ref} is not the employee reference of a PA of this direct payment" if not named else
                f"{r.employee_ref} names more than one PA ({', '.join(p.pa_id for p in named)})")))
            continue
        pa = named[0]
        pay = gross.get(pa.pa_id, 0)
        if pay <= 0:
            problems.append(_problem(r.row, "employee_ref", f"{pa.pa_id} has no approved hours in the week from "
                                                            f"{week_start}"))
        elif not 0 < r.net_pence <= pay:
            problems.append(_problem(r.row, "net_pence", f"{r.net_pence} must be above 0 and at most the gross "
                                                         f"pay of {pay} ({format_gbp(pay)})"))
        elif pa.pa_id in recorded:
            if recorded[pa.pa_id] != r.net_pence:
                raise RunConflict("net_pence", f"row {r.row}: {pa.pa_id}'s net pay for the week from {week_start} is "
                                               f"already recorded as {recorded[pa.pa_id]}, not {r.net_pence}")
            unchanged += 1
        else:
            lines.append(NetPayLine(r.row, pa.pa_id, r.employee_ref, pay, r.net_pence, week_start))
    if problems:
        raise NetPayRefused(problems)
    return lines, unchanged


@dataclass(frozen=True, slots=True)
class NetPayUpload:
    upload_id: str
    direct_payment_id: str
    week_start: date
    total_pence: int
    status: NetPayStatus
    uploaded_by: str
    uploaded_by_role: str
    uploaded_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None

    def approve(self, by: Actor, at: datetime) -> NetPayUpload:
        """The second person: a finance approver who did not upload it."""
        self._pending("approved")
        if by.role != APPROVER_ROLE:
            raise NotPermitted("role", f"approving net pay needs the {APPROVER_ROLE} role; {by.subject} has {by.role}")
        if by.subject == self.uploaded_by:
            raise NotPermitted("approved_by", f"{by.subject} uploaded net pay {self.upload_id} and cannot also "
                                              "approve it (two people): ask another finance approver")
        return replace(self, status=NetPayStatus.RECORDED, decided_by=by.subject, decided_at=at)

    def reject(self, by: Actor, reason: str, at: datetime) -> NetPayUpload:
        self._pending("rejected")
        if by.role not in REVIEWER_ROLES:
            raise NotPermitted("role", f"rejecting net pay needs a finance role; {by.subject} has {by.role}")
        if not reason.strip():
            raise PaymentRefused("reason", "say why the net pay is rejected")
        return replace(self, status=NetPayStatus.REJECTED, decided_by=by.subject, decided_at=at, reason=reason.strip())

    def _pending(self, what: str) -> None:
        if self.status is not NetPayStatus.PENDING:
            raise RunConflict("status", f"net pay {self.upload_id} is {self.status}: only a pending upload is {what}")


def upload(upload_id: str, direct_payment_id: str, week_start: date, lines: Sequence[NetPayLine], by: Actor,
           at: datetime, second_person_above_pence: int, already_pence: int = 0) -> NetPayUpload:
    """The first person's upload: recorded at once, or pending a second person when the week's net pay for the
    direct payment - `already_pence` recorded or pending before, and this upload's total - is above the
    threshold (so a file split into smaller ones needs the second person all the same)."""
    if by.role not in REVIEWER_ROLES:
        raise NotPermitted("role", f"recording net pay needs the finance_officer or {APPROVER_ROLE} role; "
                                   f"{by.subject} has {by.role}")
    total = sum(line.net_pence for line in lines)
    status = NetPayStatus.PENDING if already_pence + total > second_person_above_pence else NetPayStatus.RECORDED
    return NetPayUpload(upload_id, direct_payment_id, week_start, total, status, by.subject, by.role, at)
