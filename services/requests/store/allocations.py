"""SQL of allocations (`person_allocations`): which worker each person is allocated to, current and ended."""
from __future__ import annotations

import uuid

import asyncpg


async def lock_person(conn: asyncpg.Connection, person_ref: str) -> None:
    """Serialise changes to one person's allocations until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"allocation:{person_ref}")


async def current(conn: asyncpg.Connection, person_ref: str, worker_role: str | None = None) -> list[asyncpg.Record]:
    """The person's current allocations (of one role when given), oldest first."""
    return await conn.fetch(
        "SELECT * FROM person_allocations WHERE person_ref = $1 AND ended_at IS NULL"
        " AND ($2::text IS NULL OR worker_role = $2) ORDER BY allocated_at, allocation_id", person_ref, worker_role)


async def is_allocated(conn: asyncpg.Connection, person_ref: str, worker_id: str, worker_role: str) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM person_allocations WHERE person_ref = $1 AND worker_id = $2"
        " AND worker_role = $3 AND ended_at IS NULL)", person_ref, worker_id, worker_role)


async def insert(conn: asyncpg.Connection, person_ref: str, worker_id: str, worker_role: str, allocated_by: str,
                 allocated_by_role: str, reason: str | None) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO person_allocations (allocation_id, person_ref, worker_id, worker_role, allocated_by,"
        " allocated_by_role, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        f"AL-{uuid.uuid4().hex[:16].upper()}", person_ref, worker_id, worker_role, allocated_by, allocated_by_role,
        reason)


async def end(conn: asyncpg.Connection, allocation_id: str, ended_by: str, reason: str | None) -> None:
    await conn.execute("UPDATE person_allocations SET ended_at = now(), ended_by = $2, end_reason = $3"
                       " WHERE allocation_id = $1 AND ended_at IS NULL", allocation_id, ended_by, reason)
