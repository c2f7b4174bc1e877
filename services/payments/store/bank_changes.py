"""SQL for the bank details changes payments was told about (table `bank_changes`).

Only the entered account's fingerprint is kept, never the details; who entered and who decided a
change are actor identifiers.
"""
from __future__ import annotations

import asyncpg


async def record_change(conn: asyncpg.Connection, provider_id: str, change_id: str, account_fingerprint: str | None,
                        entered_by: str) -> bool:
    """A change entered: it supersedes the provider's changes still unverified. The first copy of a
    change id stands (a later event reusing it changes nothing); False when it was already known."""
    added = await conn.fetchval(
        "INSERT INTO bank_changes (change_id, provider_id, account_fingerprint, entered_by) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (change_id) DO NOTHING RETURNING true", change_id, provider_id, account_fingerprint, entered_by)
    if not added:
        return False
    await conn.execute("UPDATE bank_changes SET status = 'superseded', decided_at = now()"
                       " WHERE provider_id = $1 AND status = 'unverified' AND change_id <> $2", provider_id, change_id)
    return True


async def change(conn: asyncpg.Connection, change_id: str) -> asyncpg.Record | None:
    """The change, locked until the transaction ends (its verification and rejection are decided once)."""
    return await conn.fetchrow("SELECT * FROM bank_changes WHERE change_id = $1 FOR UPDATE", change_id)


async def decide(conn: asyncpg.Connection, change_id: str, status: str, decided_by: str) -> None:
    await conn.execute("UPDATE bank_changes SET status = $2, decided_by = $3, decided_at = now()"
                       " WHERE change_id = $1 AND status = 'unverified'", change_id, status, decided_by)
