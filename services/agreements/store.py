"""SQL of the agreements service."""
from __future__ import annotations

import uuid
from datetime import date

import asyncpg


async def record_received_request(conn: asyncpg.Connection, request_id: str, person_ref: str,
                                  requested_start: date, event_id: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO received_requests (request_id, person_ref, requested_start, event_id)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (request_id)"
        " DO UPDATE SET times_recorded = received_requests.times_recorded + 1",
        request_id, person_ref, requested_start, event_id,
    )


async def get_received_request(conn: asyncpg.Connection, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM received_requests WHERE request_id = $1", request_id)


async def record_action(conn: asyncpg.Connection, subject_id: str, action: str, actor_id: str, actor_role: str,
                        reason: str | None = None) -> None:
    """Who changed what and why (identifiers only: never bank details or names)."""
    await conn.execute("INSERT INTO audit_log (subject_id, action, actor_id, actor_role, reason)"
                       " VALUES ($1, $2, $3, $4, $5)", subject_id, action, actor_id, actor_role, reason)


async def history(conn: asyncpg.Connection, subject_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT action, actor_id, actor_role, reason, at FROM audit_log WHERE subject_id = $1"
                            " ORDER BY at, id", subject_id)
