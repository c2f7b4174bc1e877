"""SQL of reassessments (`budget_reassessments`): each new budget of an active request, with the one before."""
from __future__ import annotations

import asyncpg

from contracts.requests import BudgetReassessed


async def insert(conn: asyncpg.Connection, event: BudgetReassessed, event_id, made_by: str, made_by_role: str,
                 reason: str | None) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO budget_reassessments (reassessment_id, request_id, person_ref, effective_from,"
        " weekly_budget_pence, weekly_contribution_pence, previous_weekly_budget_pence,"
        " previous_weekly_contribution_pence, event_id, made_by, made_by_role, reason)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *",
        event.reassessment_id, event.request_id, event.person_ref, event.effective_from, event.weekly_budget_pence,
        event.weekly_contribution_pence, event.previous_weekly_budget_pence, event.previous_weekly_contribution_pence,
        event_id, made_by, made_by_role, reason)


async def for_request(conn: asyncpg.Connection, request_id: str) -> list[asyncpg.Record]:
    """Oldest first."""
    return await conn.fetch("SELECT * FROM budget_reassessments WHERE request_id = $1"
                            " ORDER BY made_at, reassessment_id", request_id)
