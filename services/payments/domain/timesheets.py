"""A personal assistant's timesheet: the shifts it claims, the checks they pass, and who decides it.

A timesheet is refused whole (nothing stored) when any shift:
- is dated in the future, or has not ended yet;
- does not end after it starts (an end earlier on the clock than the start is the next day) or is
  longer than 16 hours;
- falls on a day the direct payment does not employ the PA (before `employed_from`, after `employed_to`,
  or after the direct payment ended);
- overlaps another shift of the same PA, in the same timesheet or already submitted or approved
  (a rejected timesheet's shifts do not count); both shifts are named;
- falls in a week whose payroll is closed (its net pay is recorded);
- has hours in a band the PA has no rate for.

    submitted --approve--> approved        submitted --reject (reason)--> rejected

The employer (the person, for their own PA) approves or rejects; for a council-managed direct
payment a finance officer or brokerage officer may too, but not the officer who submitted it. A PA
never approves a timesheet.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from shared.clock import london_date, week_start
from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.payment_run import Actor
from services.payments.domain.shift_pay import BandPay, Rate, price, pieces_of, shift_instants

MAX_SHIFT_MINUTES = 16 * 60
OFFICERS = frozenset({"finance_officer", "brokerage_officer"})
PA_ROLE = "personal_assistant"
EMPLOYER_ROLE = "person"


class TimesheetStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class PersonalAssistant:
    """A PA as agreements last described them: who employs them, from when to when, at which rates."""

    pa_id: str
    direct_payment_id: str
    person_ref: str
    employee_ref: str
    employed_from: date
    employed_to: date | None
    rates: tuple[Rate, ...]


@dataclass(frozen=True, slots=True)
class ShiftIn:
    """A shift as sent. `where` locates it for a problem (("shifts", 2) or ("row", 3)); `label` names it
    ("shifts[2]" or "row 3")."""

    where: tuple[str | int, ...]
    label: str
    work_date: date
    start: time
    end: time
    note: str = ""

    def name(self, column: str) -> str:
        return f"{self.label} column {column}" if self.where[0] == "row" else f"{self.label}.{column}"


@dataclass(frozen=True, slots=True)
class StoredShift:
    """A shift of the PA already on a submitted or approved timesheet."""

    timesheet_id: str
    work_date: date
    start: time
    end: time
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class PricedShift:
    work_date: date
    start: time
    end: time
    starts_at: datetime
    ends_at: datetime
    note: str
    bands: tuple[BandPay, ...]

    @property
    def minutes(self) -> int:
        return sum(b.minutes for b in self.bands)

    @property
    def pence(self) -> int:
        return sum(b.pence for b in self.bands)


@dataclass(frozen=True, slots=True)
class TimesheetProblem:
    loc: tuple[str | int, ...]  # e.g. ("shifts", 2, "end") or ("row", 3, "end")
    message: str


class TimesheetRefused(PaymentRefused):
    """A timesheet with shifts that cannot be paid: every problem, each naming its shift (or row) and field."""

    def __init__(self, problems: Sequence[TimesheetProblem]) -> None:
        super().__init__("shifts", "; ".join(p.message for p in problems[:20]))
        self.problems = list(problems)


@dataclass
class _Checked:
    shift: ShiftIn
    problems: list[TimesheetProblem] = field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def refuse(self, column: str, message: str) -> None:
        self.problems.append(TimesheetProblem((*self.shift.where, column), f"{self.shift.name(column)}: {message}"))


def _clock(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def employment_problem(pa: PersonalAssistant, day: date, dp_ended: date | None) -> str | None:
    """Why the direct payment does not employ the PA on `day` (None: it does)."""
    ends = [d for d in (pa.employed_to, dp_ended) if d is not None]
    until = min(ends) if ends else None
    if pa.employed_from <= day and (until is None or day <= until):
        return None
    span = f"from {pa.employed_from}" + (f" to {until}" if until else "")
    return (f"a timesheet for a PA the DP does not employ: {pa.pa_id} is employed under direct payment "
            f"{pa.direct_payment_id} {span}, not on {day}")


def check_timesheet(pa: PersonalAssistant, shifts: Sequence[ShiftIn], stored: Sequence[StoredShift], *,
                    now: datetime, dp_ended: date | None = None,
                    closed_weeks: Collection[date] = ()) -> list[PricedShift]:
    """The shifts priced, or TimesheetRefused listing every problem (see the module's rules)."""
    if not shifts:
        raise TimesheetRefused([TimesheetProblem(("shifts",), "shifts: a timesheet has at least one shift")])
    today = london_date(now)
    checked = [_check_one(pa, s, now, today, dp_ended, closed_weeks) for s in shifts]
    timed = sorted((c for c in checked if c.starts_at is not None), key=lambda c: (c.starts_at, c.ends_at))
    latest: _Checked | None = None
    for c in timed:  # within the timesheet: each against the one reaching furthest so far
        if latest is not None and c.starts_at < latest.ends_at:
            s, other = c.shift, latest.shift
            c.refuse("start", f"{s.work_date} {_clock(s.start, s.end)} overlaps {other.label} "
                              f"({other.work_date} {_clock(other.start, other.end)})")
        if latest is None or c.ends_at > latest.ends_at:
            latest = c
    for c in timed:  # against the PA's shifts already submitted or approved
        for old in stored:
            if c.starts_at < old.ends_at and old.starts_at < c.ends_at:
                c.refuse("start", f"{c.shift.work_date} {_clock(c.shift.start, c.shift.end)} overlaps a shift of "
                                  f"timesheet {old.timesheet_id} ({old.work_date} {_clock(old.start, old.end)})")
    problems = [p for c in checked for p in c.problems]
    if problems:
        raise TimesheetRefused(problems)
    priced = []
    for c in checked:
        bands, _ = price(pieces_of(c.starts_at, c.ends_at), pa.rates)
        s = c.shift
        priced.append(PricedShift(s.work_date, s.start, s.end, c.starts_at, c.ends_at, s.note, tuple(bands)))
    return priced


def _check_one(pa: PersonalAssistant, s: ShiftIn, now: datetime, today: date, dp_ended: date | None,
               closed_weeks: Collection[date]) -> _Checked:
    c = _Checked(s)
    if s.start.second or s.start.microsecond:
        c.refuse("start", f"{s.start} must be whole minutes (HH:MM)")
    if s.end.second or s.end.microsecond:
        c.refuse("end", f"{s.end} must be whole minutes (HH:MM)")
    if s.work_date > today:
        c.refuse("work_date", f"{s.work_date} is in the future: a timesheet claims shifts already worked")
    not_employed = employment_problem(pa, s.work_date, dp_ended)
    if not_employed:
        c.refuse("work_date", not_employed)
    if week_start(s.work_date) in closed_weeks:
        c.refuse("work_date", f"the payroll of the week from {week_start(s.work_date)} is closed: its net pay "
                              "is recorded")
    if s.end == s.start:
        c.refuse("end", f"{s.end:%H:%M} is not after the start {s.start:%H:%M} (an end earlier on the clock than "
                        "the start is the next day)")
    if c.problems:
        return c
    starts_at, ends_at = shift_instants(s.work_date, s.start, s.end)
    minutes = int((ends_at - starts_at).total_seconds()) // 60
    if minutes > MAX_SHIFT_MINUTES:
        c.refuse("end", f"the shift {_clock(s.start, s.end)} lasts {minutes // 60} h {minutes % 60:02d} min: "
                        "a shift is at most 16 hours")
        return c
    if ends_at > now:
        c.refuse("end", f"the shift ends at {s.end:%H:%M}, which has not come yet: submit it once it is worked")
    _, unpriced = price(pieces_of(starts_at, ends_at), pa.rates)
    for band in dict.fromkeys(p.band for p in unpriced):
        c.refuse("start", f"{pa.pa_id} has no hourly rate for the {band} band on {s.work_date}")
    c.starts_at, c.ends_at = starts_at, ends_at
    return c


# --- who submits and who decides ------------------------------------------------------------------

def check_submitter(by: Actor, pa: PersonalAssistant, council_managed: bool) -> None:
    """The PA themselves, the employer (the person), or for a council-managed direct payment a finance
    or brokerage officer. (Whether the caller may see the PA at all is checked before: 404.)"""
    if by.role in OFFICERS and not council_managed:
        raise NotPermitted("role", f"direct payment {pa.direct_payment_id} is not managed by the council: its "
                                   "holder or the PA submits the PA's timesheets")


@dataclass(frozen=True, slots=True)
class Timesheet:
    timesheet_id: str
    pa_id: str
    status: TimesheetStatus
    submitted_by: str
    submitted_by_role: str

    def decide(self, by: Actor, council_managed: bool, *, approve: bool, reason: str = "") -> TimesheetStatus:
        """Who may approve or reject it, and the status it then has."""
        what = "approve" if approve else "reject"
        if by.role == PA_ROLE:
            raise NotPermitted("role", f"a personal assistant never {what}s a timesheet: their employer does")
        if by.role in OFFICERS:
            if not council_managed:
                raise NotPermitted("role", "the direct payment is not managed by the council: its holder "
                                           f"{what}s the PA's timesheets")
            if approve and by.subject == self.submitted_by:  # the council has a second officer; a holder is one
                raise NotPermitted("approved_by", f"{by.subject} submitted timesheet {self.timesheet_id} and cannot "
                                                  "also approve it: another officer does")
        elif by.role == EMPLOYER_ROLE:
            if council_managed:
                raise NotPermitted("role", "the council, as nominee, employs this direct payment's PAs: a finance or "
                                           f"brokerage officer {what}s their timesheets")
        else:
            raise NotPermitted("role", f"{what} a timesheet: the employer, or a finance or brokerage officer")
        if self.status is not TimesheetStatus.SUBMITTED:
            raise RunConflict("status", f"timesheet {self.timesheet_id} is {self.status}: only a submitted one is "
                                        "approved or rejected")
        if not approve and not reason.strip():
            raise PaymentRefused("reason", "say why the timesheet is rejected: the PA reads it")
        return TimesheetStatus.APPROVED if approve else TimesheetStatus.REJECTED
