"""One reporting consumer per topic, applying a whole batch at once.

The shared consumer claims the batch in the inbox and opens its transaction; here the records are
decoded with `ctx.decode` (so a malformed one is poison, dead-lettered as anywhere else), handed to
the topic's `apply` in order, and the deltas it collected go to the aggregates in one UPSERT per
table before the transaction commits. A rebuild uses the same `BatchApply` directly.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from contracts.envelope import Envelope, Event
from shared.clock import utcnow
from shared.consumer import BaseConsumer, BatchContext, EventBatchConsumer
from shared.records import Incoming
from shared.gc_pause import cyclic_gc_paused
from shared.schemas import events_schema
from services.reporting.domain.aggregates import Deltas
from services.reporting.metrics import EVENTS_APPLIED, LAST_LAG, READ_MODEL_LAG
from services.reporting.store import aggregates as store_aggregates

Apply = Callable[[asyncpg.Connection, list[Envelope], Deltas], Awaitable[None]]


@dataclass(frozen=True)
class BatchApply:
    """How one topic's events reach the read models: apply them all, then add the deltas."""

    topic: str
    apply: Apply

    async def on_batch(self, conn: asyncpg.Connection, items: list[Incoming], ctx: BatchContext) -> None:
        """The consumer's batch handler: the envelopes of the events it reads, applied in order."""
        with cyclic_gc_paused():  # a batch's envelopes and deltas are thousands of objects alive until it commits
            envelopes = [env for env in (ctx.decode(item).envelope for item in items) if env is not None]
            await self(conn, envelopes)

    async def __call__(self, conn: asyncpg.Connection, envelopes: list[Envelope]) -> None:
        if not envelopes:
            return
        deltas = Deltas()
        await self.apply(conn, envelopes, deltas)
        await store_aggregates.apply(conn, deltas)
        _observe(self.topic, envelopes)


_APPLIERS: dict[str, BatchApply] = {}


def applier_of(consumer: BaseConsumer) -> BatchApply:
    """What a reporting consumer does with a batch, for a replay outside the service."""
    return _APPLIERS[consumer.name]


def read(consumer: BaseConsumer, record: Any) -> Envelope | None:
    """The envelope of a record straight from Kafka (a replay), decoded as the live consumer decodes it:
    None for an event it does not read; Poison if unreadable."""
    return consumer.decode_item(consumer.decode(record)).envelope


def batch_consumer(name: str, topic: str, models: Sequence[type[Event]], apply: Apply, description: str,
                   gather_ms: int = 0) -> EventBatchConsumer:
    """A consumer of `topic` whose batches of `models` events go to `apply(conn, envelopes, deltas)`."""
    applier = _APPLIERS[name] = BatchApply(topic, apply)
    return EventBatchConsumer(name=name, topic=topic, batch_handler=applier.on_batch, batch_reads=frozenset(models),
                              payload_schema=events_schema(list(models)), description=description,
                              gather_ms=gather_ms)


def _observe(topic: str, envelopes: list[Envelope]) -> None:
    # Observed before the commit: a batch that rolls back is counted twice when retried.
    now = utcnow()
    for event_type, n in Counter(env.event_type for env in envelopes).items():
        EVENTS_APPLIED.labels(event_type).inc(n)
    lag = READ_MODEL_LAG.labels(topic)
    for env in envelopes:
        lag.observe(max((now - env.occurred_at).total_seconds(), 0.0))
    LAST_LAG.labels(topic).set(max((now - max(e.occurred_at for e in envelopes)).total_seconds(), 0.0))
