"""Submit a PA's timesheet, and approve or reject it: one transaction each, the PA's row locked so two
timesheets of one PA are checked for overlaps one after the other."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.auth import Principal
from shared.clock import week_start
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.timesheets import (PA_ROLE, PersonalAssistant, PricedShift, ShiftIn, Timesheet,
                                                 TimesheetStatus, check_submitter, check_timesheet,
                                                 employment_problem)
from services.payments.store import inputs as store_inputs
from services.payments.store import timesheets as store


def may_see(by: Principal, pa: PersonalAssistant) -> bool:
    """A PA sees only themselves, a person only their own PAs, an officer every PA."""
    if by.role == PA_ROLE:
        return by.pa_id is not None and by.pa_id == pa.pa_id
    return by.may_see_person(pa.person_ref)


async def _visible_pa(conn: asyncpg.Connection, pa_id: str, by: Principal) -> PersonalAssistant:
    pa = await store.personal_assistant(conn, pa_id, lock=True)
    if pa is None or not may_see(by, pa):
        raise LookupError(pa_id)
    return pa


@dataclass(frozen=True)
class Submitted:
    timesheet_id: str
    pa: PersonalAssistant
    shifts: list[PricedShift]


async def submit(conn: asyncpg.Connection, pa_id: str, read: Callable[[], tuple[Sequence[ShiftIn], str | None]],
                 source: str, by: Principal, now: datetime, *, direct_payment_id: str | None = None) -> Submitted:
    """Store the timesheet, submitted. Who is asked first: LookupError when the caller may not see the PA,
    NotPermitted when they may not submit for them; only then is the file read (`read()`: its shifts and the
    direct payment it names, if any, or TimesheetRefused naming each bad shift)."""
    pa = await _visible_pa(conn, pa_id, by)
    dp = await store_inputs.direct_payment_row(conn, pa.direct_payment_id)
    check_submitter(by, pa, council_managed=dp is not None and dp["council_managed"])
    shifts, named = read()
    direct_payment_id = named or direct_payment_id
    if direct_payment_id is not None and direct_payment_id != pa.direct_payment_id:
        raise PaymentRefused("direct_payment_id", f"a timesheet for a PA the DP does not employ: {pa_id} is "
                                                  f"employed under direct payment {pa.direct_payment_id}, not "
                                                  f"{direct_payment_id}")
    stored = []
    if shifts:
        dates = [s.work_date for s in shifts]
        stored = await store.live_shifts(conn, pa_id, min(dates), max(dates))
    priced = check_timesheet(pa, shifts, stored, now=now, dp_ended=dp["last_day"] if dp else None,
                             closed_weeks=await store.closed_weeks(conn, pa_id))
    timesheet_id = store.new_id()
    await store.insert_timesheet(conn, timesheet_id, pa, source, by, now, priced)
    return Submitted(timesheet_id, pa, priced)


async def decide(conn: asyncpg.Connection, timesheet_id: str, by: Principal, now: datetime, *, approve: bool,
                 reason: str = "") -> TimesheetStatus:
    """Approve or reject a submitted timesheet (LookupError when there is none the caller may see)."""
    row = await store.timesheet(conn, timesheet_id)
    if row is None:
        raise LookupError(timesheet_id)
    pa = await _visible_pa(conn, row["pa_id"], by)
    row = await store.timesheet(conn, timesheet_id)  # as it stands now the PA is locked
    dp = await store_inputs.direct_payment_row(conn, pa.direct_payment_id)
    sheet = Timesheet(timesheet_id, pa.pa_id, TimesheetStatus(row["status"]), row["submitted_by"],
                      row["submitted_by_role"])
    status = sheet.decide(by, dp is not None and dp["council_managed"], approve=approve, reason=reason)
    if approve:
        shifts = await store.shifts_of(conn, timesheet_id)
        closed = await store.closed_weeks(conn, pa.pa_id)
        weeks = sorted({week_start(s["work_date"]) for s in shifts} & closed)
        if weeks:
            raise RunConflict("status", f"the payroll of the week from {weeks[0]} is closed (its net pay is recorded): "
                                        f"timesheet {timesheet_id} can no longer be approved")
        ended = dp["last_day"] if dp else None
        problems = list(dict.fromkeys(p for s in shifts if (p := employment_problem(pa, s["work_date"], ended))))
        if problems:
            raise PaymentRefused("shifts", "; ".join(problems))
    await store.decide(conn, timesheet_id, status, by, now, reason.strip() or None)
    return status
