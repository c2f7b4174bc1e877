"""One reporting consumer per topic, applying a whole batch at once.

The shared consumer claims the batch in the inbox and opens its transaction; here the records are
decoded with the shared decoder (so a malformed one is poison, dead-lettered as anywhere else),
handed to the topic's `apply` in order, and the deltas it collected go to the aggregates in one
UPSERT per table before the transaction commits. A rebuild uses the same `BatchApply` directly.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from contracts.envelope import Envelope, Event
from shared.clock import utcnow
from shared.consumer import Consumer, Incoming
from shared.gc_pause import cyclic_gc_paused
from shared.schemas import events_schema
from services.reporting import store_aggregates
from services.reporting.domain_aggregates import Deltas
from services.reporting.metrics import EVENTS_APPLIED, LAST_LAG, READ_MODEL_LAG

Apply = Callable[[asyncpg.Connection, list[Envelope], Deltas], Awaitable[None]]


async def _never_called(_conn, _message) -> None:  # pragma: no cover - only the decoder's handler table
    raise AssertionError("reporting applies batches, not single messages")


@dataclass(frozen=True)
class BatchApply:
    """How one topic's events reach the read models: decode each record, apply them all, add the deltas."""

    topic: str
    decoder: Consumer
    apply: Apply

    def envelope(self, item: Incoming) -> Envelope | None:
        """The record's envelope, None for an event this consumer does not act on; Poison if unreadable."""
        return self.decoder.decode_item(item).envelope

    def read(self, record: Any) -> Envelope | None:
        """`envelope` of a record straight from Kafka (a replay)."""
        return self.decoder.decode(record).envelope

    async def __call__(self, conn: asyncpg.Connection, envelopes: list[Envelope]) -> None:
        if not envelopes:
            return
        deltas = Deltas()
        await self.apply(conn, envelopes, deltas)
        await store_aggregates.apply(conn, deltas)
        _observe(self.topic, envelopes)


_APPLIERS: dict[str, BatchApply] = {}


def applier_of(consumer: Consumer) -> BatchApply:
    """What a reporting consumer does with a batch, for a replay outside the service."""
    return _APPLIERS[consumer.name]


def batch_consumer(name: str, topic: str, models: Sequence[type[Event]], apply: Apply, description: str,
                   gather_ms: int = 0) -> Consumer:
    """A consumer of `topic` whose batches of `models` events go to `apply(conn, envelopes, deltas)`."""
    decoder = Consumer(name=name, topic=topic, handlers={m: _never_called for m in models})
    applier = _APPLIERS[name] = BatchApply(topic, decoder, apply)

    async def handle(conn: asyncpg.Connection, items: list[Incoming]) -> None:
        with cyclic_gc_paused():  # a batch's envelopes and deltas are thousands of objects alive until it commits
            envelopes = [env for env in (applier.envelope(item) for item in items) if env is not None]
            await applier(conn, envelopes)

    return Consumer(name=name, topic=topic, batch_handler=handle, batch_reads=frozenset(models),
                    payload_schema=events_schema(list(models)), description=description, gather_ms=gather_ms)


def _observe(topic: str, envelopes: list[Envelope]) -> None:
    # Observed before the commit: a batch that rolls back is counted twice when retried.
    now = utcnow()
    for event_type, n in Counter(env.event_type for env in envelopes).items():
        EVENTS_APPLIED.labels(event_type).inc(n)
    lag = READ_MODEL_LAG.labels(topic)
    for env in envelopes:
        lag.observe(max((now - env.occurred_at).total_seconds(), 0.0))
    LAST_LAG.labels(topic).set(max((now - max(e.occurred_at for e in envelopes)).total_seconds(), 0.0))
