"""SQL of direct payment reviews (`direct_payment_reviews`) and of where each live payment's reviews stand."""
from __future__ import annotations

from datetime import date

import asyncpg

from services.agreements.domain.dp_reviews import ReviewState


async def insert(conn: asyncpg.Connection, review_id: str, agreement_id: str, reviewed_on: date, outcome: str,
                 next_review_due: date, reviewed_by: str, reviewed_by_role: str) -> None:
    await conn.execute(
        "INSERT INTO direct_payment_reviews (review_id, agreement_id, reviewed_on, outcome, next_review_due,"
        " reviewed_by, reviewed_by_role) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        review_id, agreement_id, reviewed_on, outcome, next_review_due, reviewed_by, reviewed_by_role)


async def states(conn: asyncpg.Connection, as_of: date, *, limit: int = 10_000) -> list[ReviewState]:
    """Every direct payment live on `as_of` with its next review date: from its latest review on or before
    `as_of`, or its first review when it has none yet."""
    rows = await conn.fetch(
        "SELECT p.agreement_id, p.person_ref, coalesce(r.next_review_due, p.first_review_due) AS next_review_due,"
        " r.reviewed_on FROM direct_payments p LEFT JOIN LATERAL (SELECT reviewed_on, next_review_due"
        " FROM direct_payment_reviews WHERE agreement_id = p.agreement_id AND reviewed_on <= $1"
        " ORDER BY reviewed_on DESC, recorded_at DESC LIMIT 1) r ON true"
        " WHERE p.status IN ('agreed', 'ended') AND (p.end_date IS NULL OR p.end_date >= $1)"
        " AND p.first_review_due IS NOT NULL ORDER BY 3, p.agreement_id LIMIT $2", as_of, limit)
    return [ReviewState(r["agreement_id"], r["person_ref"], r["next_review_due"], r["reviewed_on"]) for r in rows]


async def next_due(conn: asyncpg.Connection, agreement_id: str) -> date | None:
    """The payment's next review date after its latest review (None before any review)."""
    return await conn.fetchval("SELECT next_review_due FROM direct_payment_reviews WHERE agreement_id = $1"
                               " ORDER BY reviewed_on DESC, recorded_at DESC LIMIT 1", agreement_id)
