"""SQL of the history of each request (`request_history`): one row per step, who took it and why."""
from __future__ import annotations

import asyncpg

from services.requests.domain.request import Transition


async def record_step(conn: asyncpg.Connection, step: Transition, event_id, actor_id: str, actor_role: str,
                      reason: str | None) -> None:
    """One history row: what happened, from which status, who did it and why."""
    details = step.event.model_dump(mode="json", exclude={"request_id", "person_ref"})
    await conn.execute(
        "INSERT INTO request_history (request_id, action, from_status, to_status, event_type, event_id,"
        " details, actor_id, actor_role, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        step.request.request_id, step.action.value, step.before.value if step.before else None,
        step.request.status.value, step.event.EVENT_TYPE, event_id, details, actor_id, actor_role, reason,
    )


async def get_history(conn: asyncpg.Connection, request_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM request_history WHERE request_id = $1 ORDER BY id", request_id)
