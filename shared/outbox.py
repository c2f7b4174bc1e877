"""The transactional outbox: events are rows written with the state change, then relayed to Kafka.

`Outbox.add` is called inside the service's own transaction. `OutboxRelay` publishes committed
rows with an idempotent producer (acks=all), oldest first, and marks them published. If Kafka or
the process dies between commit and publish, the rows are still there and go out on restart.

A row Kafka refuses for itself (over the message size, a corrupt or invalid record: `REFUSED`) would be
refused on every try and hold the relay for ever: it is set aside instead (kept in the table with why,
never sent again, counted, logged without its content, listed by `carepay outbox set-aside`), and the
rows after it go out, later events of the same key included. Anything else (Kafka away, timeouts) is
retried as before.
"""
from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (CorruptRecordException, InvalidProducerEpoch, InvalidTopicError, MessageSizeTooLargeError,
                             OutOfOrderSequenceNumber, ProducerFenced, RecordListTooLargeError, RecordTooLargeError,
                             UnknownProducerId)
from aiokafka.partitioner import murmur2
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from pydantic_core import to_json

from contracts.envelope import Envelope, Event
from shared.clock import utcnow
from shared.events import Cause, envelope_for
from shared.logging import get_logger
from shared.kafka_security import DEFAULT_MAX_MESSAGE_BYTES
from shared.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED, OUTBOX_SET_ASIDE
from shared.redaction import describe

log = get_logger(__name__)

_COLUMNS = ("event_id", "topic", "key", "event_type", "value", "headers")
# After these the broker refuses every later batch of this producer (aiokafka, unlike Kafka's Java
# client, does not start a new producer id): only a new producer gets the rows out. Seen when the
# broker restarts while batches are in flight.
BROKEN_PRODUCER = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch, ProducerFenced)
# What Kafka refuses for the record itself: sent again, it is refused again (unlike Kafka or a leader being
# away, a timeout, or a producer the broker no longer knows, which pass). A batch refused with one of these
# is sent again row by row to find the row, which is set aside.
REFUSED = (MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError, CorruptRecordException,
           InvalidTopicError)


def envelope_headers(envelope: Envelope) -> dict[str, str]:
    """Kafka headers that let a consumer route or skip without parsing the value, and the event's trace
    (`traceparent`, W3C Trace Context, when it has one). Kept in the row's `headers`, all sent by the relay."""
    headers = {
        "event_id": str(envelope.event_id),
        "event_type": envelope.event_type,
        "schema_version": str(envelope.schema_version),
        "correlation_id": envelope.correlation_id,
        "content-type": "application/json",
    }
    if envelope.traceparent is not None:
        headers["traceparent"] = envelope.traceparent
    return headers


class EventFields(NamedTuple):
    """An event as its contract's fields, for the hottest paths only (`Outbox.publish_fields`).

    `fields` are the model's own, in its field order, as plain JSON-ready values (str, int, date, UTC
    datetime, lists and dicts of them), already valid: no pydantic model is built, which is most of the
    cost of an event. Whoever makes them must have a unit test that the outbox value equals
    `Envelope[model](...).model_dump_json()` for its events.
    """

    model: type[Event]
    aggregate_id: str
    fields: dict[str, Any]


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
        await self._insert(conn, [_record(e) for e in envelopes])

    async def publish_fields(self, conn: asyncpg.Connection, events: Sequence[Event | EventFields],
                             cause: Cause) -> None:
        """`publish`, where the hottest events may come as `EventFields` instead of models (in order)."""
        occurred_at = utcnow()
        middles: dict[type[Event], bytes] = {}
        records = []
        event_ids = time_ordered_ids(len(events))
        for i, e in enumerate(events):
            if not isinstance(e, EventFields):
                records.append(_record(self.envelope(e, cause)))
                continue
            model = e.model
            middle = middles.get(model)
            if middle is None:  # everything between event_id and aggregate_id: the same for the whole batch
                middle = middles[model] = b'",' + to_json({
                    "event_type": model.EVENT_TYPE, "schema_version": model.SCHEMA_VERSION,
                    "occurred_at": occurred_at, "producer": self.producer, "correlation_id": cause.correlation_id,
                    "causation_id": cause.causation_id, "traceparent": cause.traceparent,
                    "council_id": self.council_id, "actor": cause.actor.model_dump()})[1:-1] + b',"aggregate_id":'
            event_id = event_ids[i]
            text = str(event_id)
            headers = {"event_id": text, "event_type": model.EVENT_TYPE, "schema_version": str(model.SCHEMA_VERSION),
                       "correlation_id": cause.correlation_id, "content-type": "application/json"}
            if cause.traceparent is not None:
                headers["traceparent"] = cause.traceparent
            records.append((event_id, model.TOPIC, e.aggregate_id, model.EVENT_TYPE,
                            b'{"event_id":"' + text.encode() + middle + to_json(e.aggregate_id) + b',"payload":'
                            + to_json(e.fields) + b"}", headers))
        await self._insert(conn, records)

    async def _insert(self, conn: asyncpg.Connection, records: list[tuple]) -> None:
        if not records:
            return
        if not conn.is_in_transaction():
            raise RuntimeError("Outbox.add must run inside the transaction that records the change")
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


def time_ordered_ids(n: int) -> list[uuid.UUID]:
    """`n` UUIDv7 (RFC 9562): the current millisecond, then 74 random bits. An index of such ids grows at
    its right-hand edge instead of at a random page for each event (every page touched after a checkpoint
    costs a full-page image in the WAL); one system call gives the randomness for the whole batch."""
    ms = (time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF
    random = os.urandom(10 * n)
    ids = []
    for i in range(n):
        r = int.from_bytes(random[10 * i:10 * i + 10], "big")
        ids.append(uuid.UUID(int=ms << 80 | 0x7 << 76 | (r >> 62 & 0xFFF) << 64 | 0b10 << 62 | r & (1 << 62) - 1))
    return ids


def _record(e: Envelope) -> tuple:
    return (e.event_id, e.payload.TOPIC, e.aggregate_id, e.event_type, e.model_dump_json().encode(),
            envelope_headers(e))


class OutboxRelay:
    """Publishes committed outbox rows, in order, and marks them published."""

    def __init__(self, pool: asyncpg.Pool, producer: AIOKafkaProducer, *, service: str, schema: str,
                 batch_size: int = 2000,
                 renew_producer: Callable[[], Awaitable[AIOKafkaProducer]] | None = None,
                 max_record_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.pool = pool
        self.producer = producer
        self.renew_producer = renew_producer  # a started replacement, for when this one is BROKEN_PRODUCER
        self.service = service
        self.schema = schema
        self.batch_size = batch_size
        # A record over this (CAREPAY_KAFKA_MAX_MESSAGE_BYTES: the producer's max_request_size and the topics'
        # max.message.bytes) is refused by `send` before it leaves; the batches the relay fills itself are not
        # checked, so the relay checks (the broker would refuse it).
        self.max_record_bytes = max_record_bytes
        self._wake = asyncio.Event()
        self._last_prune = 0.0
        self._last_observed = 0.0
        self._hashes: dict[bytes, int] = {}  # murmur2 is pure Python: remember it per key

    async def run(self) -> None:
        """Publish until cancelled; wake on NOTIFY, poll every second as a safety net."""
        listener: asyncpg.Connection | None = None
        backoff = 0.5
        renew = False
        while True:
            try:
                if renew and self.renew_producer is not None:
                    self.producer = await self.renew_producer()
                    renew = False
                    log.warning("outbox relay publishes with a new producer")
                if listener is None or listener.is_closed():
                    listener = await self.pool.acquire()
                    await listener.add_listener(f"{self.schema}_outbox", self._notified)
                # Cleared before reading, not after: a NOTIFY that arrives while a batch is published must
                # wake the next round at once (cleared after, it was lost and the rows waited for the poll).
                self._wake.clear()
                published = await self.publish_batch()
                backoff = 0.5
                if published < self.batch_size:
                    # At a steady trickle the relay goes round many times a second: the gauges are read
                    # once it is idle, or at most once a second while it keeps publishing.
                    if published == 0 or time.monotonic() - self._last_observed >= 1.0:
                        await self._observe_backlog()
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                    except TimeoutError:
                        pass
            except asyncio.CancelledError:
                if listener is not None and not listener.is_closed():
                    await self.pool.release(listener)
                raise
            except Exception as exc:  # Kafka or Postgres away: keep the rows, try again later.
                renew = renew or isinstance(exc, BROKEN_PRODUCER)
                log.warning("outbox relay could not publish; will retry", error=describe(exc), retry_in_s=backoff,
                            new_producer=renew)
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
        """Publish up to one batch of unpublished rows; return how many were published or set aside."""
        async with self.pool.acquire() as conn, conn.transaction():
            # SKIP LOCKED lets instances claim rows without waiting, but order per aggregate
            # needs one publisher at a time: the advisory lock makes the relay a single leader.
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))",
                                       f"carepay-outbox:{self.schema}"):
                return 0
            rows = await conn.fetch(
                "SELECT id, topic, key, event_type, value, headers FROM outbox"
                " WHERE published_at IS NULL AND set_aside_at IS NULL"
                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            if not rows:
                return 0
            published, set_aside = await self._publish(rows)
            if set_aside:
                await conn.executemany("UPDATE outbox SET set_aside_at = now(), set_aside_error = $2 WHERE id = $1",
                                       [(row["id"], error) for row, error in set_aside])
            await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                               [r["id"] for r in published])
        for topic, n in Counter(r["topic"] for r in published).items():
            OUTBOX_PUBLISHED.labels(self.service, topic).inc(n)
        for row, error in set_aside:
            OUTBOX_SET_ASIDE.labels(self.service, row["topic"]).inc()
            # Never the value or the key: they may carry what a client sent.
            log.error("outbox row set aside: Kafka refuses it; later rows go on", outbox_id=row["id"],
                      topic=row["topic"], event_type=row["event_type"], bytes=len(row["value"]), error=error)
        return len(published) + len(set_aside)

    async def _publish(self, rows: list[asyncpg.Record]) -> tuple[list[asyncpg.Record], list[tuple[asyncpg.Record, str]]]:
        """Send `rows`; return those Kafka took and those it refuses (with why). Raises, so that the whole
        batch is tried again, when a batch failed for anything but a refusal and none was refused."""
        to_send, set_aside = [], []
        for row in rows:
            size = len(row["value"])
            if size > self.max_record_bytes // 2:  # only then is the exact size worth working out
                size = DefaultRecordBatchBuilder.estimate_size_in_bytes(
                    row["key"].encode(), row["value"], [(k, v.encode()) for k, v in row["headers"].items()])
            if size > self.max_record_bytes:
                set_aside.append((row, f"MessageSizeTooLargeError: the record is {size} bytes, over the"
                                       f" {self.max_record_bytes} bytes Kafka takes"))
            else:
                to_send.append(row)
        batches = await self._send(to_send)
        results = await asyncio.gather(*(future for future, _ in batches), return_exceptions=True)
        refused = [(batch, result) for (_, batch), result in zip(batches, results) if isinstance(result, REFUSED)]
        if not refused:
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            return to_send, set_aside
        # Rows of batches that failed otherwise (after a refusal, the producer's later batches of that
        # partition are out of sequence) stay unpublished: the next round sends them, after these.
        published = [row for (_, batch), result in zip(batches, results)
                     if not isinstance(result, BaseException) for row in batch]
        for batch, refusal in refused:
            if len(batch) == 1:
                set_aside.append((batch[0], _why(refusal)))
                continue
            for row in batch:  # which of them Kafka refuses: each alone, in order
                await self._renew_after_refusal()
                try:
                    [(future, _)] = await self._send([row])
                    await future
                except REFUSED as exc:
                    set_aside.append((row, _why(exc)))
                else:
                    published.append(row)
        # The broker's sequence numbers for a refused batch's partition no longer follow this producer's.
        await self._renew_after_refusal()
        return published, set_aside

    async def _renew_after_refusal(self) -> None:
        if self.renew_producer is not None:
            self.producer = await self.renew_producer()

    async def _send(self, rows: list[asyncpg.Record]) -> list[tuple[asyncio.Future, list[asyncpg.Record]]]:
        """Hand the rows to the producer in id order, as one batch per partition at a time.

        `producer.send` per row waits for a full partition batch to drain before taking the next row
        (and costs more per message); filling batches ourselves keeps thousands in flight. Partitions are
        chosen as `send`'s DefaultPartitioner would (murmur2 of the key over the sorted partitions), so
        each aggregate keeps its partition and its order.
        """
        futures: list[tuple[asyncio.Future, list[asyncpg.Record]]] = []
        open_batches: dict[tuple[str, int], Any] = {}
        rows_of: dict[tuple[str, int], list[asyncpg.Record]] = {}  # of each open batch
        partitions_of: dict[str, list[int]] = {}
        for row in rows:
            topic, key = row["topic"], row["key"].encode()
            partitions = partitions_of.get(topic)
            if partitions is None:
                partitions = partitions_of[topic] = sorted(await self.producer.partitions_for(topic))
            partition = self._partition(partitions, key)
            headers = [(k, v.encode()) for k, v in row["headers"].items()]
            batch = open_batches.get((topic, partition))
            if batch is None or batch.append(key=key, value=row["value"], timestamp=None, headers=headers) is None:
                if batch is not None:  # full: send it, start the next (a batch always takes its first message)
                    futures.append((await self.producer.send_batch(batch, topic, partition=partition),
                                    rows_of[(topic, partition)]))
                batch = open_batches[(topic, partition)] = self.producer.create_batch()
                batch.append(key=key, value=row["value"], timestamp=None, headers=headers)
                rows_of[(topic, partition)] = [row]
            else:
                rows_of[(topic, partition)].append(row)
        for (topic, partition), batch in open_batches.items():
            futures.append((await self.producer.send_batch(batch, topic, partition=partition),
                            rows_of[(topic, partition)]))
        return futures

    def _partition(self, partitions: list[int], key: bytes) -> int:
        hashed = self._hashes.get(key)
        if hashed is None:
            if len(self._hashes) >= 200_000:
                self._hashes.clear()
            hashed = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return partitions[hashed % len(partitions)]

    async def _observe_backlog(self) -> None:
        self._last_observed = time.monotonic()
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(  # set-aside rows are not waiting: counted by carepay_outbox_set_aside_total
                "SELECT count(*) AS n, EXTRACT(EPOCH FROM now() - min(created_at)) AS age"
                " FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL"
            )
            # Keep a week of published rows for audit; prune the rest every few minutes.
            now = time.monotonic()
            if now - self._last_prune > 300:
                self._last_prune = now
                await conn.execute("DELETE FROM outbox WHERE published_at < now() - interval '7 days'")
        OUTBOX_BACKLOG.labels(self.service).set(row["n"])
        OUTBOX_OLDEST_AGE.labels(self.service).set(float(row["age"] or 0))


def _why(exc: BaseException) -> str:
    """What Kafka said, for the set-aside row (aiokafka's messages name the error, never the record)."""
    return describe(exc, limit=500)
