"""Who is acting, and taking one step of a query in one transaction with its events.

The login role decides the side someone acts for (a provider token for its provider, a person
token for its person, any officer role as an officer); what that side may do is the domain's
entitlement (403 with its reason), and what the state allows its lifecycle (409 naming the state).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg
from fastapi import Request

from services.queries import metrics, store_queries
from services.queries.api_models import QueryOut
from services.queries.domain_query import Party, Query, Step
from shared.auth import Principal
from shared.clock import utcnow
from shared.http import cause_of, not_found, runtime_of, transaction


def party_of(principal: Principal) -> Party:
    if principal.role == "provider":
        return Party.provider(principal.subject, principal.provider_id)
    if principal.role == "person":
        return Party.person(principal.subject, principal.person_ref)
    return Party.officer(principal.subject)


StepIn = Callable[[asyncpg.Connection, Query, Party, datetime], Awaitable[Step]]


def plain(step: Callable[[Query, Party, datetime], Step]) -> StepIn:
    """A domain step that needs nothing but the query, the actor and the time."""
    async def take(_conn: asyncpg.Connection, query: Query, party: Party, now: datetime) -> Step:
        return step(query, party, now)
    return take


async def take_step(request: Request, principal: Principal, query_id: str, step: StepIn) -> QueryOut:
    """Load the query locked, take `step` as the caller now, save it and publish its events together.

    No reason goes into the events' envelopes: reasons are free text and stay on the query."""
    now = utcnow()
    async with transaction(request) as conn:
        query = await store_queries.load(conn, query_id, for_update=True)
        if query is None:
            raise not_found(f"query {query_id}")
        done = await step(conn, query, party_of(principal), now)
        await store_queries.save(conn, done.query)
        await runtime_of(request).outbox.publish(conn, done.events, cause_of(request, principal))
    metrics.observe(done.query, done.events)
    return QueryOut.of(done.query, now)
