"""SQL of the ingest hot path: a few set-based statements per batch, never one per record.

Per batch: lock (and create) the agreement-weeks it touches; load the verified rows of the visits it
touches, locked; COPY first revisions in, and later ones through a temp table into one upsert; COPY
every record received into `attendances`; mark open unallocated records superseded by the batch.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from services.delivery.domain.matching import PlannedVisit
from services.delivery.domain.verification import VerifiedVisit, week_of
from services.delivery.domain.visit_changes import AttendanceKey, StoredVisit, VisitChange
from services.delivery.domain.visit_rules import Flag, FlagCode
from services.delivery.store.records import record_of

VERIFIED_COLUMNS = (
    "visit_key", "carer_id", "agreement_id", "person_ref", "provider_id", "visit_id", "local_date", "week_start",
    "planned_start", "planned_minutes", "carers_required", "actual_minutes", "payable_minutes",
    "rate_pence_per_hour", "amount_pence", "flags", "revision", "withdrawn", "record_id", "provider_ref",
    "service_user_ref", "record_planned_start", "record_planned_end", "check_in", "check_out", "check_in_method",
    "exception_code", "agreement_ref", "updated_at")
_UPSERT_VERIFIED = (
    f"INSERT INTO verified_visits ({', '.join(VERIFIED_COLUMNS)}) SELECT {', '.join(VERIFIED_COLUMNS)} FROM verified_in"
    " ON CONFLICT (visit_key, carer_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in VERIFIED_COLUMNS[2:]))
ATTENDANCE_COLUMNS = (
    "record_id", "intake_id", "source", "location", "received_at", "provider_id", "provider_ref", "service_user_ref",
    "visit_id", "carer_id", "planned_start", "planned_end", "check_in", "check_out", "check_in_method",
    "exception_code", "agreement_ref", "raw", "outcome", "visit_key", "reason", "field", "message", "resolution",
    "resolved_at", "resolved_by", "resolution_reason")
_COPY_FROM = 20  # below this, a plain multi-row statement is cheaper than starting a COPY


async def insert_rows(conn: asyncpg.Connection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """COPY for batches, INSERT for a handful (COPY costs a round trip more to start)."""
    if not rows:
        return
    if len(rows) >= _COPY_FROM:
        await conn.copy_records_to_table(table, records=rows, columns=list(columns))
    else:
        marks = ", ".join(f"${i + 1}" for i in range(len(columns)))
        await conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


async def lock_periods(conn: asyncpg.Connection, visits: Iterable[PlannedVisit]) -> set[tuple[str, date]]:
    """Create and lock the agreement-weeks of `visits` (in key order, so batches never deadlock);
    return those already confirmed, whose changes become adjustments of a later week."""
    weeks = {(v.agreement_id, week_of(v.local_date)): v for v in visits}
    if not weeks:
        return set()
    keys = sorted(weeks)
    rows = await conn.fetch(
        "INSERT INTO periods (agreement_id, week_start, person_ref, provider_id)"
        " SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[]) ORDER BY 1, 2"
        " ON CONFLICT (agreement_id, week_start) DO UPDATE SET last_changed_at = now()"
        " RETURNING agreement_id, week_start, confirmed_at IS NOT NULL AS confirmed",
        [k[0] for k in keys], [k[1] for k in keys], [weeks[k].service_user_ref for k in keys],
        [weeks[k].provider_ref for k in keys])
    return {(r["agreement_id"], r["week_start"]) for r in rows if r["confirmed"]}


async def load_visits(conn: asyncpg.Connection, visit_keys: Sequence[str],
                      attendances: Sequence[AttendanceKey]) -> list[asyncpg.Record]:
    """Every stored carer row of the visits a batch touches, locked: the visits it matched, and the
    visits its records were verified at before (a correction may move a carer to another visit)."""
    return await conn.fetch(
        # Index lookups only, whatever the table's size: one probe of the attendance index per record
        # (OFFSET 0 keeps the planner from turning it into a hash join over the whole table), then
        # the primary key for every visit key. No join or `IN (... UNION ...)`: those plan a sequential scan.
        "SELECT * FROM verified_visits WHERE visit_key = ANY($1::text[] || ARRAY("
        "   SELECT x.visit_key FROM unnest($2::text[], $3::text[], $4::text[]) AS a(provider_id, visit_id, carer_id),"
        "     LATERAL (SELECT v.visit_key FROM verified_visits v WHERE v.provider_id = a.provider_id"
        "       AND v.visit_id = a.visit_id AND v.carer_id = a.carer_id OFFSET 0) x))"
        " ORDER BY visit_key, carer_id FOR UPDATE",
        list(visit_keys), [a[0] for a in attendances], [a[1] for a in attendances], [a[2] for a in attendances])


def stored_visit(row: asyncpg.Record) -> StoredVisit:
    record = record_of(row, ("record_planned_start", "record_planned_end"))
    verified = VerifiedVisit(
        row["visit_key"], row["agreement_id"], row["person_ref"], row["provider_id"], row["local_date"],
        row["visit_id"], row["carer_id"], row["planned_minutes"], row["actual_minutes"], row["payable_minutes"],
        row["rate_pence_per_hour"], row["amount_pence"],
        tuple(Flag(FlagCode(f["code"]), f["reason"]) for f in row["flags"]))
    return StoredVisit(verified, record, row["record_id"], row["revision"], row["withdrawn"])


def planned_visit_of(row: asyncpg.Record) -> PlannedVisit:
    """The planned visit a stored row was verified at (to re-verify it without the schedule)."""
    start = row["planned_start"]
    return PlannedVisit(row["agreement_id"], row["person_ref"], row["provider_id"], row["local_date"], start,
                        start + timedelta(minutes=row["planned_minutes"]), row["planned_minutes"],
                        row["carers_required"])


async def save_changes(conn: asyncpg.Connection, changes: Sequence[VisitChange], now: datetime) -> None:
    """Write each change as the row's new revision. First revisions are COPYed straight in (the
    agreement-week lock taken by `lock_periods` means no other batch can insert the same visit);
    later revisions go through a temp table and one upsert."""
    if not changes:
        return
    fresh, revised = [], []
    for c in changes:
        a, r, v = c.after, c.record, c.visit
        (revised if c.before is not None else fresh).append((
            a.visit_key, a.carer_id, a.agreement_id, a.service_user_ref, a.provider_ref, a.visit_id, a.local_date,
            a.week, v.planned_start, a.planned_minutes, v.carers_required, a.actual_minutes,
            a.payable_minutes, a.rate_pence_per_hour, a.amount_pence,
            [{"code": f.code.value, "reason": f.reason} for f in a.flags], c.revision, c.withdrawn, c.record_id,
            r.provider_ref, r.service_user_ref, r.planned_start, r.planned_end, r.check_in, r.check_out,
            r.check_in_method.value, r.exception_code.value if r.exception_code else None, r.agreement_ref, now))
    await insert_rows(conn, "verified_visits", VERIFIED_COLUMNS, fresh)
    if revised:
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS verified_in (LIKE verified_visits) ON COMMIT DELETE ROWS")
        await conn.copy_records_to_table("verified_in", records=revised, columns=list(VERIFIED_COLUMNS))
        await conn.execute(_UPSERT_VERIFIED)
    adjustments = [(c.after.agreement_id, c.after.visit_key, c.after.carer_id, c.after.week, c.amount_delta,
                    c.revision) for c in changes if c.week_confirmed and c.amount_delta]
    await insert_rows(conn, "adjustments", ("agreement_id", "visit_key", "carer_id", "week_start",
                                            "amount_pence_delta", "revision"), adjustments)


async def supersede_unallocated(conn: asyncpg.Connection, keys: Sequence[AttendanceKey], by_record: str) -> int:
    """Open unallocated records for these attendances are superseded by the batch's later records."""
    if not keys:
        return 0
    result = await conn.execute(
        "UPDATE attendances SET resolution = 'superseded', resolved_at = now(), resolved_by = 'system:delivery',"
        "   resolution_reason = $4"
        " WHERE outcome = 'unallocated' AND resolution IS NULL"
        "   AND (provider_id, visit_id, carer_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))",
        [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
        f"a later record for the same visit and carer arrived ({by_record})")
    return int(result.split()[-1])


async def save_attendances(conn: asyncpg.Connection, rows: list[tuple]) -> None:
    await insert_rows(conn, "attendances", ATTENDANCE_COLUMNS, rows)


def clean(text: str | None) -> str | None:
    """Postgres text cannot hold NUL: a provider's stray NUL byte must not fail a whole batch."""
    return text.replace("\x00", "\ufffd") if text and "\x00" in text else text


def raw_for_storage(raw: Any, limit: int = 4000) -> Any:
    """What was received, as JSON Postgres accepts (no NUL), shortened when large."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if not isinstance(raw, str):
        try:
            text = json.dumps(raw, default=str)
        except (TypeError, ValueError):
            text = repr(raw)
        if len(text) <= limit and "\\u0000" not in text:
            return raw
        raw = text
    return raw[:limit].replace("\x00", "\ufffd")
