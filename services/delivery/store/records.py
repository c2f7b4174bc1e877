"""SQL: the records received, as officers and providers list them, and an officer's decision on an
unallocated record."""
from __future__ import annotations

import asyncpg

from services.delivery.domain.attendance import AttendanceRecord, CheckInMethod, ExceptionCode

_LISTED = ("record_id, intake_id, source, location, received_at, provider_id, provider_ref, service_user_ref,"
           " visit_id, carer_id, planned_start, planned_end, check_in, check_out, check_in_method, exception_code,"
           " agreement_ref, outcome, visit_key, reason, field, message, resolution, resolved_at, resolved_by,"
           " resolution_reason")


async def list_records(conn: asyncpg.Connection, outcome: str, *, provider_id: str | None, intake_id: str | None,
                       open_only: bool, limit: int, offset: int) -> list[asyncpg.Record]:
    """Rejected or unallocated records, newest first (rejected ones with what was received)."""
    raw = ", raw" if outcome == "rejected" else ""
    return await conn.fetch(
        f"SELECT {_LISTED}{raw} FROM attendances WHERE outcome = $1"
        "   AND ($2::text IS NULL OR provider_id = $2) AND ($3::text IS NULL OR intake_id = $3)"
        "   AND (NOT $4 OR resolution IS NULL)"
        " ORDER BY received_at DESC, record_id LIMIT $5 OFFSET $6",
        outcome, provider_id, intake_id, open_only, limit, offset)


async def open_unallocated(conn: asyncpg.Connection, record_id: str) -> asyncpg.Record | None:
    """The unallocated record, locked for the decision (None when there is no such record)."""
    return await conn.fetchrow(f"SELECT {_LISTED} FROM attendances WHERE record_id = $1 AND outcome = 'unallocated'"
                               " FOR UPDATE", record_id)


def record_of(row: asyncpg.Record, planned: tuple[str, str] = ("planned_start", "planned_end")) -> AttendanceRecord:
    """The validated record as stored (it was valid when received: no need to validate it again)."""
    return AttendanceRecord.model_construct(
        provider_ref=row["provider_ref"], service_user_ref=row["service_user_ref"], visit_id=row["visit_id"],
        carer_id=row["carer_id"], planned_start=row[planned[0]], planned_end=row[planned[1]],
        check_in=row["check_in"], check_out=row["check_out"], check_in_method=CheckInMethod(row["check_in_method"]),
        exception_code=ExceptionCode(row["exception_code"]) if row["exception_code"] else None,
        agreement_ref=row["agreement_ref"])


async def resolve(conn: asyncpg.Connection, record_id: str, resolution: str, by: str, reason: str | None,
                  visit_key: str | None = None) -> None:
    await conn.execute(
        "UPDATE attendances SET resolution = $2, resolved_at = now(), resolved_by = $3, resolution_reason = $4,"
        "   visit_key = coalesce($5, visit_key) WHERE record_id = $1",
        record_id, resolution, by, reason, visit_key)


async def open_unallocated_count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM attendances WHERE outcome = 'unallocated' AND resolution IS NULL")
