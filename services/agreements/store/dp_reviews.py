"""SQL of direct payment reviews (`direct_payment_reviews`) and of where each live payment's reviews stand."""
from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from services.agreements.domain.dp_reviews import DUE_WITHIN_DAYS, ReviewState, ReviewStatus
from shared.pagination import Keyset


async def insert(conn: asyncpg.Connection, review_id: str, agreement_id: str, reviewed_on: date, outcome: str,
                 next_review_due: date, reviewed_by: str, reviewed_by_role: str) -> None:
    await conn.execute(
        "INSERT INTO direct_payment_reviews (review_id, agreement_id, reviewed_on, outcome, next_review_due,"
        " reviewed_by, reviewed_by_role) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        review_id, agreement_id, reviewed_on, outcome, next_review_due, reviewed_by, reviewed_by_role)


# Each status of domain.dp_reviews.ReviewState.status as SQL over the subquery's next_review_due, reviewed_on,
# as_of (the day) and due_by (the last day a review counts as due: DUE_WITHIN_DAYS on).
STATUS_WHERE = {
    ReviewStatus.OVERDUE: "next_review_due < as_of",
    ReviewStatus.DUE: "next_review_due >= as_of AND next_review_due <= due_by",
    ReviewStatus.DONE: "next_review_due > due_by AND reviewed_on IS NOT NULL",
    ReviewStatus.UPCOMING: "next_review_due > due_by AND reviewed_on IS NULL",
}
SOONEST_FIRST = Keyset(("next_review_due", "agreement_id"))


async def states(conn: asyncpg.Connection, as_of: date, *, status: ReviewStatus | None = None,
                 after: tuple[date, str] | None = None, limit: int = 10_000) -> list[ReviewState]:
    """Every direct payment live on `as_of` with its next review date: from its latest review on or before
    `as_of`, or its first review when it has none yet. Soonest first; only those in `status` on `as_of` when
    given; a page after the key `after` (next_review_due, agreement_id)."""
    later, args = SOONEST_FIRST.after(after, first_param=3)
    rows = await conn.fetch(
        "SELECT * FROM (SELECT p.agreement_id, p.person_ref,"
        " coalesce(r.next_review_due, p.first_review_due) AS next_review_due, r.reviewed_on,"
        " $1::date AS as_of, $2::date AS due_by"
        " FROM direct_payments p LEFT JOIN LATERAL (SELECT reviewed_on, next_review_due"
        " FROM direct_payment_reviews WHERE agreement_id = p.agreement_id AND reviewed_on <= $1"
        " ORDER BY reviewed_on DESC, recorded_at DESC LIMIT 1) r ON true"
        " WHERE p.status IN ('agreed', 'ended') AND (p.end_date IS NULL OR p.end_date >= $1)"
        " AND p.first_review_due IS NOT NULL) s"
        f" WHERE {STATUS_WHERE[status] if status else 'TRUE'} AND {later}"
        f" ORDER BY {SOONEST_FIRST.order_by} LIMIT ${3 + len(args)}",
        as_of, as_of + timedelta(days=DUE_WITHIN_DAYS), *args, limit)
    return [ReviewState(r["agreement_id"], r["person_ref"], r["next_review_due"], r["reviewed_on"]) for r in rows]


async def next_due(conn: asyncpg.Connection, agreement_id: str) -> date | None:
    """The payment's next review date after its latest review (None before any review)."""
    return await conn.fetchval("SELECT next_review_due FROM direct_payment_reviews WHERE agreement_id = $1"
                               " ORDER BY reviewed_on DESC, recorded_at DESC LIMIT 1", agreement_id)
