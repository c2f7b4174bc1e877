"""SQL of personal budgets (agreed, and reassessed from a date) and of the commitment last published for
each person."""
from __future__ import annotations

from datetime import date, datetime

import asyncpg

from contracts.requests import BudgetReassessed
from services.agreements.domain.budgets import BudgetDecision
from services.agreements.domain.dp_variations import Reassessed


async def record_budget(conn: asyncpg.Connection, person_ref: str, request_id: str, weekly_budget_pence: int,
                        weekly_contribution_pence: int, agreed_at: datetime) -> bool:
    """Keep the latest agreed budget; an older event arriving late changes nothing. True if changed."""
    row = await conn.fetchrow(
        "INSERT INTO person_budgets (person_ref, request_id, weekly_budget_pence, weekly_contribution_pence, agreed_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_ref) DO UPDATE SET request_id = EXCLUDED.request_id,"
        " weekly_budget_pence = EXCLUDED.weekly_budget_pence,"
        " weekly_contribution_pence = EXCLUDED.weekly_contribution_pence, agreed_at = EXCLUDED.agreed_at"
        " WHERE person_budgets.agreed_at <= EXCLUDED.agreed_at RETURNING person_ref",
        person_ref, request_id, weekly_budget_pence, weekly_contribution_pence, agreed_at)
    return row is not None


async def record_reassessment(conn: asyncpg.Connection, event: BudgetReassessed, decided_at: datetime) -> bool:
    """Keep a reassessed budget, in force from its date; a replay changes nothing. True if new."""
    row = await conn.fetchrow(
        "INSERT INTO budget_reassessments (reassessment_id, request_id, person_ref, effective_from,"
        " weekly_budget_pence, weekly_contribution_pence, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (reassessment_id) DO NOTHING RETURNING reassessment_id",
        event.reassessment_id, event.request_id, event.person_ref, event.effective_from, event.weekly_budget_pence,
        event.weekly_contribution_pence, decided_at)
    return row is not None


async def budget_decisions(conn: asyncpg.Connection, person_ref: str) -> list[BudgetDecision]:
    """The person's latest agreed budget and every reassessment of it."""
    agreed = await conn.fetchrow("SELECT weekly_budget_pence, weekly_contribution_pence, agreed_at"
                                 " FROM person_budgets WHERE person_ref = $1", person_ref)
    reassessed = await conn.fetch("SELECT * FROM budget_reassessments WHERE person_ref = $1", person_ref)
    decisions = [BudgetDecision(r["weekly_budget_pence"], r["weekly_contribution_pence"], r["decided_at"],
                                r["effective_from"], r["reassessment_id"]) for r in reassessed]
    if agreed is not None:
        decisions.append(BudgetDecision(agreed[0], agreed[1], agreed[2]))
    return decisions


async def reassessment(conn: asyncpg.Connection, reassessment_id: str) -> Reassessed | None:
    row = await conn.fetchrow("SELECT reassessment_id, person_ref, effective_from, weekly_budget_pence,"
                              " weekly_contribution_pence FROM budget_reassessments WHERE reassessment_id = $1",
                              reassessment_id)
    return Reassessed(*row) if row else None


async def last_published(conn: asyncpg.Connection, person_ref: str) -> tuple | None:
    row = await conn.fetchrow("SELECT weekly_budget_pence, weekly_pence, annual_pence, exceeded, lines_digest"
                              " FROM person_commitments WHERE person_ref = $1", person_ref)
    return tuple(row) if row else None


async def record_published(conn: asyncpg.Connection, person_ref: str, as_of: date, figures: tuple) -> None:
    budget, weekly, annual, exceeded, digest = figures
    await conn.execute(
        "INSERT INTO person_commitments (person_ref, as_of, weekly_budget_pence, weekly_pence, annual_pence, exceeded,"
        " lines_digest) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_ref) DO UPDATE SET"
        " as_of = EXCLUDED.as_of, weekly_budget_pence = EXCLUDED.weekly_budget_pence,"
        " weekly_pence = EXCLUDED.weekly_pence, annual_pence = EXCLUDED.annual_pence, exceeded = EXCLUDED.exceeded,"
        " lines_digest = EXCLUDED.lines_digest, updated_at = now()",
        person_ref, as_of, budget, weekly, annual, exceeded, digest)


async def people_over_budget(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM person_commitments WHERE exceeded")
