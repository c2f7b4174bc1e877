"""Recording what the owning service says came of a query's effect: done (with what it produced) or not.

Called by the consumers of the owning services' topics. A result for a query this service does not
hold, or one the query cannot take (no effect awaiting, another effect id), is logged and dropped:
nothing later would make it apply, and a repeat of a recorded result changes nothing.
"""
from __future__ import annotations

import asyncpg

from contracts.envelope import Actor, Envelope
from services.queries import metrics, store
from services.queries.domain.effects import complete_effect, fail_effect
from services.queries.domain.errors import IllegalTransition
from services.queries.domain.query import Party
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox

log = get_logger(__name__)
SYSTEM = Actor(id="system:queries", role="system")


async def record_result(conn: asyncpg.Connection, outbox: Outbox, envelope: Envelope, query_id: str,
                        effect_id: str, *, result_ref: str | None = None, failure: str | None = None) -> None:
    """Complete (`result_ref`) or fail (`failure`, shown on the query) the query's effect `effect_id`,
    as told by the event in `envelope`; its events follow from that event, acted by the platform."""
    query = await store.queries.load(conn, query_id, for_update=True)
    if query is None:
        log.info("effect result for a query this service does not hold", query_id=query_id, effect_id=effect_id)
        return
    by = Party.system(envelope.producer)
    at = envelope.occurred_at
    try:
        step = (fail_effect(query, by, at, failure, effect_id) if failure is not None
                else complete_effect(query, by, at, result_ref, effect_id))
    except IllegalTransition:
        log.warning("effect result not recorded: the query awaits no such effect", query_id=query_id,
                    effect_id=effect_id, status=query.status.value)
        return
    if not step.events:
        return  # a repeat of what is recorded, or a result for an effect an earlier resolution asked for
    await store.queries.save(conn, step.query)
    await outbox.publish(conn, step.events, Cause.from_envelope(envelope, SYSTEM))
    metrics.observe(step.query, step.events)
