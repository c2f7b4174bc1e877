"""Taking one step of a query in one transaction with its events.

What a side may do is the domain's entitlement (403 with its reason), and what the state allows
its lifecycle (409 naming the state). Reasons are free text and stay on the query; only a decision
on money (a proposal, an approval, a rejection) puts its reason on the events' envelope, beside its
actor. A second money-moving effect for a query is refused by the database too (IllegalTransition, 409).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from services.queries import store
from services.queries.domain.effects import complete_variation
from services.queries.domain.query import Party, Query, Step
from shared.events import Cause
from shared.outbox import Outbox

StepIn = Callable[[asyncpg.Connection, Query, Party, datetime], Awaitable[Step]]


def plain(step: Callable[[Query, Party, datetime], Step]) -> StepIn:
    """A domain step that needs nothing but the query, the actor and the time."""
    async def take(_conn: asyncpg.Connection, query: Query, party: Party, now: datetime) -> Step:
        return step(query, party, now)
    return take


def variation_recorded(agreement_version: int) -> StepIn:
    """Recording the agreement variation a vary_agreement effect made, by the version of the terms it
    made: its date as agreements published it (None if never seen) must be the one the resolution asked for."""
    async def step(conn: asyncpg.Connection, q: Query, by: Party, at: datetime) -> Step:
        agreement_id = getattr(q.outcome, "agreement_id", None)
        effective_from = await store.subjects.version_of(conn, agreement_id, agreement_version) \
            if agreement_id else None
        return complete_variation(q, by, at, agreement_version, effective_from)
    return step


async def take_step(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, query_id: str, party: Party,
                    now: datetime, step: StepIn) -> Step | None:
    """Load the query locked, take `step` as `party` at `now`, save it and publish its events together
    (in `conn`'s transaction); None when there is no such query."""
    query = await store.queries.load(conn, query_id, for_update=True)
    if query is None:
        return None
    done = await step(conn, query, party, now)
    await store.queries.save(conn, done.query)
    await outbox.publish(conn, done.events, cause)
    return done
