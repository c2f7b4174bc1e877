"""SQL for the payroll bureau's net pay: uploads (pending a second person, recorded or rejected), each PA's
net pay for a week, and what a weekly run may pay (recorded, not settled by an approved run)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg

from services.payments.domain.net_pay import NetPayLine, NetPayStatus, NetPayUpload
from services.payments.domain.payroll import NetPayDue
from services.payments.store.payables import payees_of

# A payroll line is paid once: settled by an approved run whose payment the bank did not return.
_SETTLED = "EXISTS (SELECT 1 FROM settlements s WHERE s.document_id = n.line_id AND NOT s.returned)"


def new_id() -> str:
    return f"NETPAY-{uuid.uuid4().hex[:12].upper()}"


async def live_for_week(conn: asyncpg.Connection, week_start: date, pa_ids: Sequence[str]) -> dict[str, int]:
    """Net pence pending or recorded for the week, by pa_id."""
    rows = await conn.fetch("SELECT pa_id, net_pence FROM net_pay WHERE week_start = $1 AND pa_id = ANY($2::text[])"
                            " AND status <> 'rejected'", week_start, list(pa_ids))
    return {r["pa_id"]: r["net_pence"] for r in rows}


async def insert(conn: asyncpg.Connection, upload: NetPayUpload, lines: Sequence[NetPayLine]) -> None:
    await conn.execute(
        "INSERT INTO net_pay_uploads (upload_id, direct_payment_id, week_start, total_pence, status, uploaded_by,"
        " uploaded_by_role, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        upload.upload_id, upload.direct_payment_id, upload.week_start, upload.total_pence, upload.status.value,
        upload.uploaded_by, upload.uploaded_by_role, upload.uploaded_at)
    await conn.executemany(
        "INSERT INTO net_pay (upload_id, pa_id, week_start, line_id, direct_payment_id, employee_ref, row_number,"
        " gross_pence, net_pence, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [(upload.upload_id, line.pa_id, line.week_start, line.line_id, upload.direct_payment_id, line.employee_ref,
          line.row, line.gross_pence, line.net_pence, upload.status.value) for line in lines])


def _upload(row: asyncpg.Record) -> NetPayUpload:
    return NetPayUpload(row["upload_id"], row["direct_payment_id"], row["week_start"], row["total_pence"],
                        NetPayStatus(row["status"]), row["uploaded_by"], row["uploaded_by_role"], row["uploaded_at"],
                        row["decided_by"], row["decided_at"], row["reason"])


async def locked(conn: asyncpg.Connection, upload_id: str) -> NetPayUpload | None:
    row = await conn.fetchrow("SELECT * FROM net_pay_uploads WHERE upload_id = $1 FOR UPDATE", upload_id)
    return None if row is None else _upload(row)


async def mark(conn: asyncpg.Connection, upload: NetPayUpload) -> None:
    """The upload's decision, on it and on each of its lines."""
    await conn.execute("UPDATE net_pay_uploads SET status = $2, decided_by = $3, decided_at = $4, reason = $5"
                       " WHERE upload_id = $1", upload.upload_id, upload.status.value, upload.decided_by,
                       upload.decided_at, upload.reason)
    await conn.execute("UPDATE net_pay SET status = $2 WHERE upload_id = $1", upload.upload_id, upload.status.value)


async def of_week(conn: asyncpg.Connection, direct_payment_id: str, week_start: date) -> list[asyncpg.Record]:
    """The week's live net pay, each with the approved run that pays it and whether that run is exported."""
    return await conn.fetch(
        "SELECT n.pa_id, n.line_id, n.net_pence, n.status, n.upload_id, s.run_id, s.payment_reference,"
        " r.exported_at IS NOT NULL AS exported"
        " FROM net_pay n LEFT JOIN settlements s ON s.document_id = n.line_id AND NOT s.returned"
        " LEFT JOIN payment_runs r ON r.run_id = s.run_id"
        " WHERE n.direct_payment_id = $1 AND n.week_start = $2 AND n.status <> 'rejected' ORDER BY n.pa_id",
        direct_payment_id, week_start)


async def payroll_due(conn: asyncpg.Connection, providers: Sequence[str] | None,
                      direct_payments: Sequence[str] | None, cost_centre: str) -> list[NetPayDue]:
    """Recorded net pay no approved run has paid, each with the PA's payee and the accounts a returned payment
    of it came back from. A run narrowed to some payees pays the PAs it names (among `providers`) and those of
    the direct payments it names; with no narrowing, every PA."""
    scoped = providers is not None or direct_payments is not None
    rows = await conn.fetch(
        "SELECT n.pa_id, n.week_start, n.net_pence, n.direct_payment_id, n.employee_ref, a.person_ref,"
        " (SELECT coalesce(array_agg(p.sort_code || ':' || p.account_number), '{}') FROM settlements s"
        "  JOIN run_payments p USING (run_id, payment_reference) WHERE s.document_id = n.line_id AND s.returned)"
        "  AS returned_from"
        " FROM net_pay n JOIN personal_assistants a USING (pa_id)"
        f" WHERE n.status = 'recorded' AND NOT {_SETTLED}"
        "  AND (NOT $1 OR n.pa_id = ANY($2::text[]) OR n.direct_payment_id = ANY($3::text[]))"
        " ORDER BY n.pa_id, n.week_start",
        scoped, list(providers or ()), list(direct_payments or ()))
    payees = await payees_of(conn, sorted({r["pa_id"] for r in rows}))
    return [NetPayDue(r["pa_id"], r["week_start"], r["net_pence"], r["direct_payment_id"], r["person_ref"],
                      r["employee_ref"], cost_centre, payees.get(r["pa_id"]),
                      tuple(tuple(a.split(":", 1)) for a in r["returned_from"])) for r in rows]
