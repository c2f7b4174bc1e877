"""SQL: the records received, as officers and providers list them, and an officer's decision on an
unallocated record."""
from __future__ import annotations

import asyncpg

from services.delivery.domain.attendance import AttendanceRecord, CheckInMethod, ExceptionCode
from shared.pagination import Keyset

_LISTED = ("record_id, intake_id, source, location, received_at, provider_id, provider_ref, service_user_ref,"
           " visit_id, carer_id, planned_start, planned_end, check_in, check_out, check_in_method, exception_code,"
           " agreement_ref, outcome, visit_key, reason, field, message, resolution, resolved_at, resolved_by,"
           " resolution_reason")


# Lists page newest first by (received_at, record_id): unique, and walked backwards on the partial indexes
# of migrations 0002 (all providers) and 0004 (one provider).
LISTED_ORDER = Keyset(("received_at", "record_id"), descending=True)


async def list_records(conn: asyncpg.Connection, outcome: str, *, provider_id: str | None, intake_id: str | None,
                       open_only: bool, after: tuple | None, limit: int) -> list[asyncpg.Record]:
    """Rejected or unallocated records, newest first (rejected ones with what was received): at most `limit`,
    strictly after the key `after` (received_at, record_id) of the previous page's last. Only the filters
    given are in the statement, so each shape keeps a plan that uses its index."""
    conditions, args = ["outcome = $1"], [outcome]
    for column, value in (("provider_id", provider_id), ("intake_id", intake_id)):
        if value is not None:
            args.append(value)
            conditions.append(f"{column} = ${len(args)}")
    if open_only:
        conditions.append("resolution IS NULL")
    where, key = LISTED_ORDER.after(after, first_param=len(args) + 1)
    args += key
    conditions.append(where)
    raw = ", raw" if outcome == "rejected" else ""
    return await conn.fetch(
        f"SELECT {_LISTED}{raw} FROM attendances WHERE {' AND '.join(conditions)}"
        f" ORDER BY {LISTED_ORDER.order_by} LIMIT ${len(args) + 1}", *args, limit)


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
