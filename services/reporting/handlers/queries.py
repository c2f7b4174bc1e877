"""queries.events -> open queries by category and SLA state, and SLA breaches."""
from __future__ import annotations

import asyncpg

from contracts import queries as contract
from contracts.envelope import Envelope
from services.reporting.domain import queries as q
from services.reporting.domain.aggregates import Deltas
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.store import facts as store_facts


def _step(held: q.QueryState | None, event) -> q.QueryState | None:
    if isinstance(event, contract.QueryRaised):
        return held or q.raised(event.query_id, event.category.value, event.acknowledge_due_at, event.resolve_due_at,
                                event.provider_id)
    if held is None:
        return None  # a query raised before reporting's topics were kept: nothing to count against
    if isinstance(event, contract.QueryAcknowledged):
        return q.acknowledged(held)
    if isinstance(event, contract.QueryInvestigationStarted):
        return q.investigating(held)
    if isinstance(event, contract.QueryResolved):
        return q.resolved(held)
    if isinstance(event, contract.QueryClosed):
        return q.closed(held)
    if isinstance(event, contract.QueryReopened):
        return q.reopened(held, event.resolve_due_at)
    if isinstance(event, contract.QuerySlaBreached):
        return q.breached(held, event.sla.value, event.due_at)
    return held


async def apply(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    held = await store_facts.queries(conn, [e.payload.query_id for e in envelopes])
    after = dict(held)
    for env in envelopes:
        state = _step(after.get(env.payload.query_id), env.payload)
        if state is not None:
            after[env.payload.query_id] = state
    await store_facts.save_queries(conn, deltas.track(held, after, q.contributions).values())

QUERIES = batch_consumer(
    "reporting.queries", contract.TOPIC,
    [contract.QueryRaised, contract.QueryAcknowledged, contract.QueryInvestigationStarted, contract.QueryResolved,
     contract.QueryClosed, contract.QueryReopened, contract.QuerySlaBreached],
    apply, "Queries' lifecycle and SLA breaches: open queries by category and SLA state.")
