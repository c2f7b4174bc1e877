"""The transactional outbox: events are rows written with the state change, then relayed to Kafka.

`Outbox.add` is called inside the service's own transaction. `OutboxRelay` publishes committed
rows with an idempotent producer (acks=all), oldest first, and marks them published. If Kafka or
the process dies between commit and publish, the rows are still there and go out on restart.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import asyncpg
from aiokafka import AIOKafkaProducer

from contracts.envelope import Envelope, Event
from shared.events import Cause, envelope_for
from shared.logging import get_logger
from shared.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED

log = get_logger(__name__)

_COLUMNS = ("event_id", "topic", "key", "event_type", "value", "headers")


def envelope_headers(envelope: Envelope) -> dict[str, str]:
    """Kafka headers that let a consumer route or skip without parsing the value."""
    return {
        "event_id": str(envelope.event_id),
        "event_type": envelope.event_type,
        "schema_version": str(envelope.schema_version),
        "correlation_id": envelope.correlation_id,
        "content-type": "application/json",
    }


class Outbox:
    """Records events in the current transaction of one service."""

    def __init__(self, producer: str, council_id: str) -> None:
        self.producer = producer
        self.council_id = council_id

    def envelope(self, event: Event, cause: Cause) -> Envelope:
        return envelope_for(event, producer=self.producer, council_id=self.council_id, cause=cause)

    async def publish(self, conn: asyncpg.Connection, events: Sequence[Event], cause: Cause) -> list[Envelope]:
        """Wrap `events` in envelopes and record them; return the envelopes."""
        envelopes = [self.envelope(e, cause) for e in events]
        await self.add(conn, envelopes)
        return envelopes

    async def add(self, conn: asyncpg.Connection, envelopes: Sequence[Envelope]) -> None:
        """Record envelopes for publication; must run inside the caller's transaction."""
        if not envelopes:
            return
        if not conn.is_in_transaction():
            raise RuntimeError("Outbox.add must run inside the transaction that records the change")
        records = [
            (e.event_id, e.payload.TOPIC, e.aggregate_id, e.event_type,
             e.model_dump_json().encode(), envelope_headers(e))
            for e in envelopes
        ]
        if len(records) < 20:
            await conn.executemany(
                "INSERT INTO outbox (event_id, topic, key, event_type, value, headers)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                records,
            )
        else:
            # COPY is several times faster than INSERT for the big batches of the delivery stream.
            await conn.copy_records_to_table("outbox", records=records,
                                             columns=_COLUMNS)


class OutboxRelay:
    """Publishes committed outbox rows, in order, and marks them published."""

    def __init__(self, pool: asyncpg.Pool, producer: AIOKafkaProducer, *, service: str, schema: str,
                 batch_size: int = 2000) -> None:
        self.pool = pool
        self.producer = producer
        self.service = service
        self.schema = schema
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._last_prune = 0.0

    async def run(self) -> None:
        """Publish until cancelled; wake on NOTIFY, poll every second as a safety net."""
        listener: asyncpg.Connection | None = None
        backoff = 0.5
        while True:
            try:
                if listener is None or listener.is_closed():
                    listener = await self.pool.acquire()
                    await listener.add_listener(f"{self.schema}_outbox", self._notified)
                published = await self.publish_batch()
                backoff = 0.5
                if published < self.batch_size:
                    await self._observe_backlog()
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                    except TimeoutError:
                        pass
            except asyncio.CancelledError:
                if listener is not None and not listener.is_closed():
                    await self.pool.release(listener)
                raise
            except Exception as exc:  # Kafka or Postgres away: keep the rows, try again later.
                log.warning("outbox relay could not publish; will retry", error=repr(exc), retry_in_s=backoff)
                if listener is not None:
                    try:
                        await self.pool.release(listener)
                    except Exception:
                        pass
                    listener = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    def _notified(self, *_args) -> None:
        self._wake.set()

    async def publish_batch(self) -> int:
        """Publish up to one batch of unpublished rows; return how many were published."""
        async with self.pool.acquire() as conn, conn.transaction():
            # SKIP LOCKED lets instances claim rows without waiting, but order per aggregate
            # needs one publisher at a time: the advisory lock makes the relay a single leader.
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))",
                                       f"carepay-outbox:{self.schema}"):
                return 0
            rows = await conn.fetch(
                "SELECT id, topic, key, value, headers FROM outbox WHERE published_at IS NULL"
                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            if not rows:
                return 0
            futures = []
            for row in rows:
                headers = [(k, v.encode()) for k, v in row["headers"].items()]
                futures.append(await self.producer.send(row["topic"], value=row["value"],
                                                        key=row["key"].encode(), headers=headers))
            await asyncio.gather(*futures)
            await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                               [r["id"] for r in rows])
        for row in rows:
            OUTBOX_PUBLISHED.labels(self.service, row["topic"]).inc()
        return len(rows)

    async def _observe_backlog(self) -> None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS n, EXTRACT(EPOCH FROM now() - min(created_at)) AS age"
                " FROM outbox WHERE published_at IS NULL"
            )
            # Keep a week of published rows for audit; prune the rest every few minutes.
            now = time.monotonic()
            if now - self._last_prune > 300:
                self._last_prune = now
                await conn.execute("DELETE FROM outbox WHERE published_at < now() - interval '7 days'")
        OUTBOX_BACKLOG.labels(self.service).set(row["n"])
        OUTBOX_OLDEST_AGE.labels(self.service).set(float(row["age"] or 0))
