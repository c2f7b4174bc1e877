"""SQL of the requests service."""
from __future__ import annotations

import asyncpg

from services.requests.domain import ServiceRequest


async def insert_request(conn: asyncpg.Connection, request: ServiceRequest, created_by: str) -> None:
    await conn.execute(
        "INSERT INTO service_requests (request_id, person_ref, requested_by, requested_start, needs,"
        " status, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        request.request_id, request.person_ref, request.requested_by.value, request.requested_start,
        list(request.needs), request.status.value, created_by,
    )


async def get_request(conn: asyncpg.Connection, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM service_requests WHERE request_id = $1", request_id)
