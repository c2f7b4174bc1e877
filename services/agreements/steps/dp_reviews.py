"""Recording a direct payment's review (in the caller's transaction), and where every live payment's reviews
stand on a day (for the list and the `carepay_dp_reviews` gauge)."""
from __future__ import annotations

from datetime import date

import asyncpg

from shared.auth import Principal
from shared.events import Cause
from shared.outbox import Outbox
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.dp_reviews import (ReviewState, ReviewStatus, check_review, count_by_status,
                                                   new_review_id)
from services.agreements.events import direct_payment_reviewed
from services.agreements.metrics import DP_REVIEWS
from services.agreements.store import audit as store_audit, dp_reviews as store_reviews


async def record_review(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal,
                        payment: DirectPayment, reviewed_on: date, outcome: str, note: str | None,
                        today: date) -> date:
    """Store the review, an audit line (with the note, which goes nowhere else) and `DirectPaymentReviewed`;
    the next review date."""
    next_due = check_review(payment, reviewed_on, outcome, today)
    await store_reviews.insert(conn, new_review_id(), payment.agreement_id, reviewed_on, outcome, next_due,
                               principal.subject, principal.role)
    await store_audit.record_action(conn, payment.agreement_id, f"direct_payment_reviewed_{outcome}",
                                    principal.subject, principal.role, note)
    await outbox.publish(conn, [direct_payment_reviewed(payment, reviewed_on, next_due, outcome)], cause)
    return next_due


async def reviews_as_of(conn: asyncpg.Connection, as_of: date, status: ReviewStatus | None = None, *,
                        after: tuple[date, str] | None = None,
                        limit: int = 10_000) -> list[tuple[ReviewState, ReviewStatus]]:
    """Each live payment's next review and its status on `as_of`, soonest first (only `status` when given),
    a page after the key `after` (next_review_due, agreement_id)."""
    found = await store_reviews.states(conn, as_of, status=status, after=after, limit=limit)
    return [(state, state.status(as_of)) for state in found]


async def observe_reviews(pool: asyncpg.Pool, today: date) -> dict[ReviewStatus, int]:
    """Recount reviews due and overdue today for the gauge (read only: every instance may)."""
    async with pool.acquire() as conn:
        counts = count_by_status(await store_reviews.states(conn, today, limit=1_000_000), today)
    for status in (ReviewStatus.DUE, ReviewStatus.OVERDUE):
        DP_REVIEWS.labels(status.value).set(counts[status])
    return counts
