"""SQL of requests for service as brokerage received them (`received_requests`)."""
from __future__ import annotations

import uuid
from datetime import date

import asyncpg


async def record_received_request(conn: asyncpg.Connection, request_id: str, person_ref: str,
                                  requested_start: date, event_id: uuid.UUID, locality: str | None = None) -> None:
    await conn.execute(
        "INSERT INTO received_requests (request_id, person_ref, requested_start, event_id, locality)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id)"
        " DO UPDATE SET times_recorded = received_requests.times_recorded + 1",
        request_id, person_ref, requested_start, event_id, locality,
    )


async def locality_of(conn: asyncpg.Connection, request_id: str | None) -> str | None:
    """The locality the request named, when brokerage received it with one."""
    if request_id is None:
        return None
    return await conn.fetchval("SELECT locality FROM received_requests WHERE request_id = $1", request_id)


async def get_received_request(conn: asyncpg.Connection, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM received_requests WHERE request_id = $1", request_id)
