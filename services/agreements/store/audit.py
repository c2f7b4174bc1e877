"""SQL of the audit log (`audit_log`): who changed a provider, rate card, agreement or direct payment, and why."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.pagination import Keyset

IN_ORDER = Keyset(("at", "id"))  # a subject's history, oldest first (index audit_log_in_order)


async def record_action(conn: asyncpg.Connection, subject_id: str, action: str, actor_id: str, actor_role: str,
                        reason: str | None = None) -> None:
    """Who changed what and why (identifiers only: never bank details or names)."""
    await conn.execute("INSERT INTO audit_log (subject_id, action, actor_id, actor_role, reason)"
                       " VALUES ($1, $2, $3, $4, $5)", subject_id, action, actor_id, actor_role, reason)


async def history(conn: asyncpg.Connection, subject_id: str, *, after: tuple[datetime, int] | None = None,
                  limit: int = 1000) -> list[asyncpg.Record]:
    """A page of what was done to `subject_id`, oldest first, after the key `after` (at, id)."""
    later, args = IN_ORDER.after(after, first_param=2)
    return await conn.fetch(f"SELECT id, action, actor_id, actor_role, reason, at FROM audit_log WHERE subject_id = $1"
                            f" AND {later} ORDER BY {IN_ORDER.order_by} LIMIT ${2 + len(args)}", subject_id, *args,
                            limit)
