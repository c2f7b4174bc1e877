"""Two-person decisions (a return, a hold release): recorded pending, approved by a second person."""
from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from shared.pagination import Keyset
from services.payments.domain.two_person import Decision, DecisionKind, DecisionStatus, SubjectKind

PREFIX = {DecisionKind.PAYMENT_RETURN: "RET", DecisionKind.HOLD_RELEASE: "REL"}
OLDEST_FIRST_DECISIONS = Keyset(("recorded_at", "decision_id"))


def new_id(kind: DecisionKind) -> str:
    return f"{PREFIX[kind]}-{uuid.uuid4().hex[:16]}"


def _decision(row: asyncpg.Record) -> Decision:
    return Decision(row["decision_id"], DecisionKind(row["kind"]), SubjectKind(row["subject_kind"]), row["subject_id"],
                    row["reason"], row["recorded_by"], row["recorded_by_role"], row["recorded_at"],
                    run_id=row["run_id"], reported_on=row["reported_on"], status=DecisionStatus(row["status"]),
                    approved_by=row["approved_by"], approved_by_role=row["approved_by_role"],
                    approved_at=row["approved_at"])


async def insert(conn: asyncpg.Connection, d: Decision) -> bool:
    """Store a pending decision; False when one is already pending for the same subject."""
    return bool(await conn.fetchval(
        "INSERT INTO two_person_decisions (decision_id, kind, subject_kind, subject_id, run_id, reason, reported_on,"
        " recorded_by, recorded_by_role, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (kind, subject_kind, subject_id, coalesce(run_id, '')) WHERE status = 'pending' DO NOTHING"
        " RETURNING true", d.decision_id, d.kind.value, d.subject_kind.value, d.subject_id, d.run_id, d.reason,
        d.reported_on, d.recorded_by, d.recorded_by_role, d.recorded_at))


async def locked(conn: asyncpg.Connection, kind: DecisionKind, decision_id: str) -> Decision | None:
    row = await conn.fetchrow("SELECT * FROM two_person_decisions WHERE decision_id = $1 AND kind = $2 FOR UPDATE",
                              decision_id, kind.value)
    return None if row is None else _decision(row)


async def pending_for(conn: asyncpg.Connection, kind: DecisionKind, subject_kind: SubjectKind, subject_ids: list[str],
                      run_id: str | None = None) -> dict[str, Decision]:
    """The pending decisions on these subjects, by subject id."""
    rows = await conn.fetch("SELECT * FROM two_person_decisions WHERE status = 'pending' AND kind = $1"
                            " AND subject_kind = $2 AND subject_id = ANY($3::text[])"
                            " AND coalesce(run_id, '') = coalesce($4, '')",
                            kind.value, subject_kind.value, subject_ids, run_id)
    return {r["subject_id"]: _decision(r) for r in rows}


async def mark_approved(conn: asyncpg.Connection, d: Decision) -> None:
    await conn.execute("UPDATE two_person_decisions SET status = 'approved', approved_by = $2, approved_by_role = $3,"
                       " approved_at = $4 WHERE decision_id = $1 AND status = 'pending'",
                       d.decision_id, d.approved_by, d.approved_by_role, d.approved_at)


async def listing(conn: asyncpg.Connection, status: str | None, after: tuple[datetime, str] | None,
                  limit: int) -> list[Decision]:
    """Decisions (in `status`, or all), oldest first: those after `after` (recorded_at, decision_id)."""
    where, args = OLDEST_FIRST_DECISIONS.after(after, first_param=2)
    rows = await conn.fetch(f"SELECT * FROM two_person_decisions WHERE ($1::text IS NULL OR status = $1) AND {where}"
                            f" ORDER BY {OLDEST_FIRST_DECISIONS.order_by} LIMIT ${len(args) + 2}",
                            status, *args, limit)
    return [_decision(r) for r in rows]
