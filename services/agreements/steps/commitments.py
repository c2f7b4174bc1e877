"""Keeping a person's published commitment current, inside the transaction of whatever changed it."""
from __future__ import annotations

from datetime import date

import asyncpg

from shared.clock import london_date, utcnow
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.agreements.domain.budgets import budget_in_force
from services.agreements.domain.commitments import Commitment, commitment_of
from services.agreements.events import commitment_changed
from services.agreements.metrics import COMMITMENT_EXCEEDED, PEOPLE_OVER_BUDGET
from services.agreements.store import agreements as store_agreements, commitments as store_commitments
from services.agreements.store import direct_payments as store_direct_payments

log = get_logger(__name__)


async def current_commitment(conn: asyncpg.Connection, person_ref: str, as_of: date) -> Commitment:
    """The person's commitment from `as_of`, against the budget in force that day."""
    agreements = await store_agreements.for_person(conn, person_ref)
    payments = await store_direct_payments.for_person(conn, person_ref)
    budget = budget_in_force(await store_commitments.budget_decisions(conn, person_ref), as_of)
    return commitment_of(person_ref, as_of, agreements, payments, budget.weekly_budget_pence if budget else None)


async def refresh_commitment(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, person_ref: str) -> Commitment:
    """Recompute the person's commitment as of today; publish CommitmentChanged when it says something new.

    Call with the person locked (`store.agreements.lock_person`) so two changes cannot race.
    """
    commitment = await current_commitment(conn, person_ref, london_date(utcnow()))
    previous = await store_commitments.last_published(conn, person_ref)
    if previous == commitment.figures or (previous is None and not commitment.lines):
        return commitment  # nothing new to say (a budget alone, before any agreement, is not a commitment)
    await store_commitments.record_published(conn, person_ref, commitment.as_of, commitment.figures)
    await outbox.publish(conn, [commitment_changed(commitment)], cause)
    if commitment.exceeded and not (previous and previous[3]):
        # Counted when the transaction is still open: a rollback after this line over-counts by one.
        COMMITMENT_EXCEEDED.inc()
        log.warning("commitment exceeds the personal budget", person_ref=person_ref,
                    exceeded_by_weekly_pence=commitment.exceeded_by_weekly_pence)
    PEOPLE_OVER_BUDGET.set(await store_commitments.people_over_budget(conn))
    return commitment
