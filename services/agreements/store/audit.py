"""SQL of the audit log (`audit_log`): who changed a provider, rate card, agreement or direct payment, and why."""
from __future__ import annotations

import asyncpg


async def record_action(conn: asyncpg.Connection, subject_id: str, action: str, actor_id: str, actor_role: str,
                        reason: str | None = None) -> None:
    """Who changed what and why (identifiers only: never bank details or names)."""
    await conn.execute("INSERT INTO audit_log (subject_id, action, actor_id, actor_role, reason)"
                       " VALUES ($1, $2, $3, $4, $5)", subject_id, action, actor_id, actor_role, reason)


async def history(conn: asyncpg.Connection, subject_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT action, actor_id, actor_role, reason, at FROM audit_log WHERE subject_id = $1"
                            " ORDER BY at, id", subject_id)
