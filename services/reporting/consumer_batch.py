"""One reporting consumer per topic, applying a whole batch at once.

The shared consumer claims the batch in the inbox and opens its transaction; here the records are
decoded with the shared decoder (so a malformed one is poison, dead-lettered as anywhere else),
handed to the topic's `apply` in order, and the deltas it collected go to the aggregates in one
UPSERT per table before the transaction commits.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from contracts.envelope import Envelope, Event
from shared.clock import utcnow
from shared.consumer import Consumer, Incoming
from shared.schemas import events_schema
from services.reporting import store_aggregates
from services.reporting.domain_aggregates import Deltas
from services.reporting.metrics import EVENTS_APPLIED, LAST_LAG, READ_MODEL_LAG

Apply = Callable[[asyncpg.Connection, list[Envelope], Deltas], Awaitable[None]]


async def _never_called(_conn, _message) -> None:  # pragma: no cover - only the decoder's handler table
    raise AssertionError("reporting applies batches, not single messages")


def batch_consumer(name: str, topic: str, models: Sequence[type[Event]], apply: Apply, description: str) -> Consumer:
    """A consumer of `topic` whose batches of `models` events go to `apply(conn, envelopes, deltas)`."""
    decoder = Consumer(name=name, topic=topic, handlers={m: _never_called for m in models})

    async def handle(conn: asyncpg.Connection, items: list[Incoming]) -> None:
        envelopes = []
        for item in items:
            decoded = decoder.decode_item(item)  # raises Poison for what no one can read
            if decoded.envelope is not None:
                envelopes.append(decoded.envelope)
        if not envelopes:
            return
        deltas = Deltas()
        await apply(conn, envelopes, deltas)
        await store_aggregates.apply(conn, deltas)
        _observe(topic, envelopes)

    return Consumer(name=name, topic=topic, batch_handler=handle, payload_schema=events_schema(list(models)),
                    description=description)


def _observe(topic: str, envelopes: list[Envelope]) -> None:
    # Observed before the commit: a batch that rolls back is counted twice when retried.
    now = utcnow()
    for env in envelopes:
        EVENTS_APPLIED.labels(env.event_type).inc()
        READ_MODEL_LAG.labels(topic).observe(max((now - env.occurred_at).total_seconds(), 0.0))
    LAST_LAG.labels(topic).set(max((now - max(e.occurred_at for e in envelopes)).total_seconds(), 0.0))
