"""SQL: agreement-weeks, their lines (verified visits), carers' records and adjustments, and their confirmation."""
from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from services.delivery.domain.attendance import ExceptionCode
from services.delivery.domain.planned_outcomes import CarerAttendance

_LINE = ("visit_key, visit_id, carer_id, local_date, planned_start, planned_minutes, actual_minutes,"
         " payable_minutes, rate_pence_per_hour, amount_pence, revision, flags")
_ADJUSTMENT = "visit_key, carer_id, week_start, amount_pence_delta, revision, applied_week"


async def lock_period(conn: asyncpg.Connection, agreement_id: str, week: date, person_ref: str,
                      provider_id: str) -> asyncpg.Record:
    """The week's row, created if need be, locked against ingest and other confirmations."""
    return await conn.fetchrow(
        "INSERT INTO periods (agreement_id, week_start, person_ref, provider_id) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (agreement_id, week_start) DO UPDATE SET agreement_id = EXCLUDED.agreement_id"
        " RETURNING *", agreement_id, week, person_ref, provider_id)


async def read_period(conn: asyncpg.Connection, agreement_id: str, week: date) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM periods WHERE agreement_id = $1 AND week_start = $2", agreement_id, week)


async def lines(conn: asyncpg.Connection, agreement_id: str, week: date) -> list[asyncpg.Record]:
    """Every carer visit verified in the week at its latest revision (withdrawn ones are not lines)."""
    return await conn.fetch(
        f"SELECT {_LINE} FROM verified_visits WHERE agreement_id = $1 AND week_start = $2 AND NOT withdrawn"
        " ORDER BY planned_start, visit_key, carer_id", agreement_id, week)


async def carer_records(conn: asyncpg.Connection, agreement_id: str, week: date) -> list[CarerAttendance]:
    """Every carer's latest verified record at a visit of the week, paid or not (withdrawn ones are not)."""
    rows = await conn.fetch(
        "SELECT visit_key, local_date, planned_start, planned_minutes, carers_required, exception_code"
        " FROM verified_visits WHERE agreement_id = $1 AND week_start = $2 AND NOT withdrawn"
        " ORDER BY planned_start, visit_key, carer_id", agreement_id, week)
    return [CarerAttendance(r["visit_key"], r["local_date"], r["planned_start"], r["planned_minutes"],
                            r["carers_required"], ExceptionCode(r["exception_code"]) if r["exception_code"] else None)
            for r in rows]


async def take_pending_adjustments(conn: asyncpg.Connection, agreement_id: str, week: date) -> list[asyncpg.Record]:
    """Adjustments not yet paid, now attached to `week` (the agreement's next confirmed week)."""
    return await conn.fetch(
        f"UPDATE adjustments SET applied_week = $2, applied_at = now()"
        f" WHERE agreement_id = $1 AND applied_week IS NULL RETURNING {_ADJUSTMENT}", agreement_id, week)


async def adjustments_of(conn: asyncpg.Connection, agreement_id: str, week: date | None) -> list[asyncpg.Record]:
    """Adjustments paid with `week`, or (week None) those waiting for the next confirmation."""
    return await conn.fetch(
        f"SELECT {_ADJUSTMENT} FROM adjustments WHERE agreement_id = $1"
        " AND applied_week IS NOT DISTINCT FROM $2 ORDER BY id", agreement_id, week)


async def mark_confirmed(conn: asyncpg.Connection, agreement_id: str, week: date, by: str, actor: str,
                         payable_minutes: int, amount_pence: int, adjustments_pence: int) -> asyncpg.Record:
    return await conn.fetchrow(
        "UPDATE periods SET confirmed_at = now(), confirmed_by = $3, confirmed_actor = $4, payable_minutes = $5,"
        "   amount_pence = $6, adjustments_pence = $7 WHERE agreement_id = $1 AND week_start = $2 RETURNING *",
        agreement_id, week, by, actor, payable_minutes, amount_pence, adjustments_pence)


async def due_periods(conn: asyncpg.Connection, latest_week: date, settle: timedelta,
                      limit: int) -> list[asyncpg.Record]:
    """Unconfirmed weeks at or before `latest_week`, quiet for `settle` (in the lock order of ingest)."""
    return await conn.fetch(
        "SELECT agreement_id, week_start, person_ref, provider_id FROM periods"
        " WHERE confirmed_at IS NULL AND week_start <= $1 AND last_changed_at <= now() - $2::interval"
        " ORDER BY agreement_id, week_start LIMIT $3", latest_week, settle, limit)
