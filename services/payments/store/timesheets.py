"""SQL for personal assistants and their timesheets: the PA as agreements last described them, each
timesheet and its priced shifts, and the approved shifts a payroll week is made of."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import asyncpg

from contracts.agreements import DayCategory, PersonalAssistantRegistered, TimeBand
from shared.pagination import Keyset
from services.payments.domain.payment_run import Actor
from services.payments.domain.payroll import ApprovedShift
from services.payments.domain.shift_pay import BandPay, Rate
from services.payments.domain.timesheets import PersonalAssistant, PricedShift, StoredShift, TimesheetStatus

NEWEST_TIMESHEETS_FIRST = Keyset(("t.submitted_at", "t.timesheet_id"), descending=True)


def new_id() -> str:
    return f"TS-{uuid.uuid4().hex[:12].upper()}"


# --- personal assistants ------------------------------------------------------------------------------

async def save_personal_assistant(conn: asyncpg.Connection, event: PersonalAssistantRegistered,
                                  as_of: datetime) -> bool:
    """The PA as now described; one described earlier than what is kept changes nothing (False)."""
    rates = [r.model_dump(mode="json") for r in event.rates]
    status = await conn.execute(
        "INSERT INTO personal_assistants (pa_id, direct_payment_id, person_ref, employee_ref, employed_from,"
        " employed_to, rates, as_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (pa_id) DO UPDATE SET direct_payment_id = $2, person_ref = $3, employee_ref = $4,"
        " employed_from = $5, employed_to = $6, rates = $7, as_of = $8, updated_at = now()"
        " WHERE personal_assistants.as_of <= EXCLUDED.as_of",
        event.pa_id, event.direct_payment_id, event.person_ref, event.employee_ref, event.employed_from,
        event.employed_to, rates, as_of)
    return status.endswith(" 1")


def _pa(row: asyncpg.Record) -> PersonalAssistant:
    rates = tuple(Rate(TimeBand(r["time_band"]), DayCategory(r["day_category"]) if r.get("day_category") else None,
                       int(r["hourly_pence"])) for r in row["rates"])
    return PersonalAssistant(row["pa_id"], row["direct_payment_id"], row["person_ref"], row["employee_ref"],
                             row["employed_from"], row["employed_to"], rates)


async def personal_assistant(conn: asyncpg.Connection, pa_id: str, *, lock: bool = False) -> PersonalAssistant | None:
    """The PA (its row locked until the transaction ends when `lock`: one timesheet step at a time per PA)."""
    row = await conn.fetchrow("SELECT * FROM personal_assistants WHERE pa_id = $1" + (" FOR UPDATE" if lock else ""),
                              pa_id)
    return None if row is None else _pa(row)


async def personal_assistants_of(conn: asyncpg.Connection, direct_payment_id: str, *,
                                 lock: bool = False) -> list[PersonalAssistant]:
    rows = await conn.fetch("SELECT * FROM personal_assistants WHERE direct_payment_id = $1 ORDER BY pa_id"
                            + (" FOR UPDATE" if lock else ""), direct_payment_id)
    return [_pa(r) for r in rows]


# --- timesheets --------------------------------------------------------------------------------------

def _bands(raw: list[dict]) -> tuple[BandPay, ...]:
    return tuple(BandPay(TimeBand(b["band"]), DayCategory(b["day_category"]) if b.get("day_category") else None,
                         int(b["hourly_pence"]), int(b["minutes"]), int(b["pence"])) for b in raw)


async def live_shifts(conn: asyncpg.Connection, pa_id: str, first: date, last: date) -> list[StoredShift]:
    """The PA's submitted or approved shifts that may meet shifts dated `first` to `last` (a shift lasts at
    most 16 hours: those dated from the day before to the day after)."""
    rows = await conn.fetch(
        "SELECT s.timesheet_id, s.work_date, s.start_time, s.end_time, s.starts_at, s.ends_at"
        " FROM timesheet_shifts s JOIN timesheets t USING (timesheet_id)"
        " WHERE s.pa_id = $1 AND s.work_date BETWEEN $2 AND $3 AND t.status <> 'rejected'"
        " ORDER BY s.starts_at", pa_id, first - timedelta(days=1), last + timedelta(days=1))
    return [StoredShift(r["timesheet_id"], r["work_date"], r["start_time"], r["end_time"], r["starts_at"],
                        r["ends_at"]) for r in rows]


async def closed_weeks(conn: asyncpg.Connection, pa_id: str) -> set[date]:
    """The weeks whose net pay is recorded (or pending) for the PA: their hours no longer change."""
    rows = await conn.fetch("SELECT week_start FROM net_pay WHERE pa_id = $1 AND status <> 'rejected'", pa_id)
    return {r["week_start"] for r in rows}


async def insert_timesheet(conn: asyncpg.Connection, timesheet_id: str, pa: PersonalAssistant, source: str,
                           by: Actor, at: datetime, shifts: Sequence[PricedShift]) -> None:
    await conn.execute(
        "INSERT INTO timesheets (timesheet_id, pa_id, direct_payment_id, source, submitted_by, submitted_by_role,"
        " submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        timesheet_id, pa.pa_id, pa.direct_payment_id, source, by.subject, by.role, at)
    await conn.executemany(
        "INSERT INTO timesheet_shifts (timesheet_id, seq, pa_id, work_date, start_time, end_time, starts_at, ends_at,"
        " note, minutes, gross_pence, bands) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        [(timesheet_id, n, pa.pa_id, s.work_date, s.start, s.end, s.starts_at, s.ends_at, s.note, s.minutes, s.pence,
          [{"band": b.band.value, "day_category": b.day_category.value if b.day_category else None,
            "hourly_pence": b.hourly_pence, "minutes": b.minutes, "pence": b.pence} for b in s.bands])
         for n, s in enumerate(shifts, start=1)])


async def timesheet(conn: asyncpg.Connection, timesheet_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM timesheets WHERE timesheet_id = $1", timesheet_id)


async def shifts_of(conn: asyncpg.Connection, timesheet_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM timesheet_shifts WHERE timesheet_id = $1 ORDER BY seq", timesheet_id)


async def timesheets_of(conn: asyncpg.Connection, pa_id: str, status: str | None,
                        after: tuple[datetime, str] | None, limit: int) -> list[asyncpg.Record]:
    """A PA's timesheets (in `status`, or all), newest first: those after `after` (submitted_at, timesheet_id)."""
    where, args = NEWEST_TIMESHEETS_FIRST.after(after, first_param=3)
    return await conn.fetch(
        "SELECT t.*, count(s.*) AS shifts, coalesce(sum(s.minutes), 0) AS minutes,"
        " coalesce(sum(s.gross_pence), 0) AS gross_pence, min(s.work_date) AS first_day, max(s.work_date) AS last_day"
        " FROM timesheets t LEFT JOIN timesheet_shifts s USING (timesheet_id)"
        f" WHERE t.pa_id = $1 AND ($2::text IS NULL OR t.status = $2) AND {where} GROUP BY t.timesheet_id"
        f" ORDER BY {NEWEST_TIMESHEETS_FIRST.order_by} LIMIT ${len(args) + 3}", pa_id, status, *args, limit)


async def decide(conn: asyncpg.Connection, timesheet_id: str, status: TimesheetStatus, by: Actor, at: datetime,
                 reason: str | None) -> None:
    await conn.execute("UPDATE timesheets SET status = $2, decided_by = $3, decided_by_role = $4, decided_at = $5,"
                       " reason = $6 WHERE timesheet_id = $1 AND status = 'submitted'",
                       timesheet_id, status.value, by.subject, by.role, at, reason)


async def approved_shifts(conn: asyncpg.Connection, direct_payment_id: str, week_start: date) -> list[ApprovedShift]:
    """The approved shifts, dated in the week, of the direct payment's PAs."""
    rows = await conn.fetch(
        "SELECT s.pa_id, s.work_date, s.bands FROM timesheet_shifts s JOIN timesheets t USING (timesheet_id)"
        " WHERE t.direct_payment_id = $1 AND t.status = 'approved' AND s.work_date BETWEEN $2 AND $3",
        direct_payment_id, week_start, week_start + timedelta(days=6))
    return [ApprovedShift(r["pa_id"], r["work_date"], _bands(r["bands"])) for r in rows]


async def submitted_count(conn: asyncpg.Connection, direct_payment_id: str, week_start: date) -> int:
    """Timesheets awaiting a decision with shifts in the week (not yet in its gross)."""
    return await conn.fetchval(
        "SELECT count(DISTINCT t.timesheet_id) FROM timesheets t JOIN timesheet_shifts s USING (timesheet_id)"
        " WHERE t.direct_payment_id = $1 AND t.status = 'submitted' AND s.work_date BETWEEN $2 AND $3",
        direct_payment_id, week_start, week_start + timedelta(days=6))
