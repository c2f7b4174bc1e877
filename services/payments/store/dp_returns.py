"""SQL for direct payments' periodic returns and their audit."""
from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from shared.pagination import Keyset
from services.payments.domain.dp_returns import PeriodicReturn, ReturnAudit, ReturnStatus

BY_PERIOD = Keyset(("period_start", "return_id"))  # returns of one direct payment never overlap


def new_id() -> str:
    return f"DPR-{uuid.uuid4().hex[:16]}"


async def overlapping(conn: asyncpg.Connection, agreement_id: str, start: date, end: date) -> asyncpg.Record | None:
    """A return of the same direct payment already covering any of these days."""
    return await conn.fetchrow("SELECT return_id, period_start, period_end FROM direct_payment_returns"
                               " WHERE agreement_id = $1 AND period_start <= $3 AND period_end >= $2"
                               " ORDER BY period_start LIMIT 1", agreement_id, start, end)


async def insert(conn: asyncpg.Connection, return_id: str, agreement_id: str, person_ref: str, r: PeriodicReturn,
                 by: str, role: str, at: datetime) -> None:
    rows = [{"row": s.row, "date": s.on.isoformat(), "description": s.description, "paid_in_pence": s.paid_in_pence,
             "paid_out_pence": s.paid_out_pence, "balance_pence": s.balance_pence} for s in r.rows] or None
    await conn.execute(
        "INSERT INTO direct_payment_returns (return_id, agreement_id, person_ref, period_start, period_end, source,"
        " opening_balance_pence, paid_in_pence, paid_out_pence, closing_balance_pence, paid_in, paid_out,"
        " statement_rows, submitted_by, submitted_by_role, submitted_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        return_id, agreement_id, person_ref, r.period_start, r.period_end, r.source, r.opening_balance_pence,
        r.paid_in_pence, r.paid_out_pence, r.closing_balance_pence, r.paid_in, r.paid_out, rows, by, role, at)


async def listing(conn: asyncpg.Connection, agreement_id: str, after: tuple[date, str] | None,
                  limit: int) -> list[asyncpg.Record]:
    """A direct payment's returns, oldest period first: those after `after` (period_start, return_id)."""
    where, args = BY_PERIOD.after(after, first_param=2)
    return await conn.fetch(f"SELECT * FROM direct_payment_returns WHERE agreement_id = $1 AND {where}"
                            f" ORDER BY {BY_PERIOD.order_by} LIMIT ${len(args) + 2}", agreement_id, *args, limit)


async def locked(conn: asyncpg.Connection, return_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM direct_payment_returns WHERE return_id = $1 FOR UPDATE", return_id)


def audit_of(row: asyncpg.Record) -> ReturnAudit:
    return ReturnAudit(row["return_id"], ReturnStatus(row["status"]), row["audited_balance_pence"],
                       row["threshold_pence"], row["surplus_pence"], row["audited_by"], row["audited_at"],
                       row["signed_off_by"], row["signed_off_at"])


async def save_audit(conn: asyncpg.Connection, a: ReturnAudit) -> None:
    await conn.execute(
        "UPDATE direct_payment_returns SET status = $2, audited_balance_pence = $3, threshold_pence = $4,"
        " surplus_pence = $5, audited_by = $6, audited_at = $7, signed_off_by = $8, signed_off_at = $9"
        " WHERE return_id = $1", a.return_id, a.status.value, a.balance_pence, a.threshold_pence, a.surplus_pence,
        a.audited_by, a.audited_at, a.signed_off_by, a.signed_off_at)
