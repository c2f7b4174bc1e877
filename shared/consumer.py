"""Idempotent, batch-at-a-time Kafka consumers with a dead-letter topic.

The contract every consumer in Carepay keeps:
- one database transaction per batch: inbox claims + the effect + outbox rows;
- offsets are committed only after that transaction commits (manual ack), so a crash replays
  the batch and the inbox turns the replay into a no-op;
- a message that cannot be parsed, or whose handler keeps failing, goes to `<service>.dlq` with
  headers naming its origin and the error, and the partition moves on;
- a database that is down is not the message's fault: the batch waits and retries, it is not
  dead-lettered;
- an event is read tolerantly: fields this service's contracts do not know are ignored and counted
  (`carepay_event_unknown_fields_total`, shared.tolerance), never poison.
- each batch is a CONSUMER span linked to its records' traces, and each record a typed handler takes is
  handled in its own trace (`handling`, shared.tracing): what the handler writes carries it on.

Two kinds of consumer exist, one class each:
- `EventConsumer`: enveloped events (`<service>.events` topics), known by their event id. Either
  one typed handler per event it reads, `async def on_x(conn, event: X, ctx: Context)`, or
  (`EventBatchConsumer`) one handler for the whole batch of the events it reads.
- `RawBatchConsumer`: a raw feed (`ecm.visits`) whose records are known only by their place; the
  inbox keeps one mark per partition and the handler takes the records undecoded.
"""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import asyncpg

from contracts.envelope import Envelope, Event
from shared import inbox, tracing
from shared.dead_letters import DeadLetter
from shared.db import transient_kind
from shared.events import Cause
from shared.logging import get_logger, message_context
from shared.metrics import CONSUMED, HANDLER_LATENCY, HANDLER_RETRIES, INBOX_DUPLICATES
from shared.records import Incoming, Poison, decode_event, header_model, undecoded
from shared.redaction import describe
from shared.tolerance import note_unknown_fields

if TYPE_CHECKING:
    from shared.outbox import Outbox
    from shared.settings import Settings

log = get_logger(__name__)

E = TypeVar("E", bound=Event)


class Runtime:
    """What a consumer needs of the process it runs in (`shared.service.ServiceRuntime`, or the
    database-only test tier's `shared.testing.DatabaseOnly`)."""

    service: str
    settings: "Settings"
    pool: asyncpg.Pool | None
    outbox: "Outbox"

    async def wait_for_database(self) -> None: ...

    def transient_failure(self, consumer: str, kind: str, exc: BaseException) -> None: ...

    def recovered(self, consumer: str) -> None: ...

    async def dead_letter(self, consumer: str, letters: list[DeadLetter]) -> None: ...


@dataclass(frozen=True)
class Context(Generic[E]):
    """What a typed event handler is given besides its connection and event: the envelope the event
    came in, the outbox to record what follows from it, and the record it was read from."""

    envelope: Envelope
    outbox: "Outbox"
    message: Incoming

    @property
    def cause(self) -> Cause:
        """The cause of events that follow from this one: same flow, caused by it, same actor."""
        return Cause.from_envelope(self.envelope)

    async def publish(self, conn: asyncpg.Connection, events: list[Event]) -> list[Envelope]:
        """Record `events` in the outbox, in the handler's transaction, as following from this event."""
        return await self.outbox.publish(conn, events, self.cause)


@dataclass(frozen=True)
class BatchContext:
    """What a batch handler is given besides its connection and records: the outbox, and (for an
    event topic) the decoder of the events its consumer reads."""

    outbox: "Outbox"
    consumer: "BaseConsumer"

    def decode(self, item: Incoming) -> Incoming:
        """The record decoded as an event this consumer reads (`event` None for another event);
        raises Poison when it cannot be read."""
        return self.consumer.decode_item(item)

    def handling(self, item: Incoming):
        """The block in which a decoded record is handled by a typed handler (`handling`)."""
        runtime = self.consumer.runtime  # None only for a consumer driven by hand, outside a service
        service = runtime.service if runtime is not None else self.consumer.name.split(".", 1)[0]
        return handling(service, item)


def traceparent_of(item: Incoming) -> str | None:
    """The trace a record belongs to: its Kafka header `traceparent`, else its envelope's."""
    found = item.headers.get(tracing.TRACEPARENT)
    if found is None and item.envelope is not None:
        found = item.envelope.traceparent
    return found


@contextmanager
def handling(service: str, item: Incoming) -> Iterator[None]:
    """While one decoded event is handled: its log context (ids and trace id) and, when spans are exported,
    a span in its trace, so what the handler writes (`Cause.from_envelope`) carries its trace on."""
    env = item.envelope
    assert env is not None
    traceparent = traceparent_of(item)
    if not tracing.tracer_of(service).exporting:  # no span: the record's trace (else the batch's) for the logs
        trace_id = tracing.trace_id_of(traceparent) or tracing.trace_id_of(tracing.current_traceparent())
        with message_context(str(env.event_id), env.correlation_id, env.causation_id, trace_id=trace_id):
            yield
        return
    with tracing.record_span(service, item.topic, env.event_type, traceparent, attributes={
            "messaging.message.id": str(env.event_id), "messaging.destination.partition.id": str(item.partition),
            "messaging.kafka.offset": item.offset}) as trace_id, \
            message_context(str(env.event_id), env.correlation_id, env.causation_id, trace_id=trace_id):
        yield


EventHandler = Callable[[asyncpg.Connection, Any, Context], Awaitable[None]]
BatchHandler = Callable[[asyncpg.Connection, list[Incoming], BatchContext], Awaitable[None]]
BeforeHandlers = Callable[[asyncpg.Connection, list[Incoming]], Awaitable[None]]


@dataclass(kw_only=True)
class BaseConsumer:
    """A named consumer group of one service on one topic: batches, inbox, retries and dead letters.

    `gather_ms`, for a consumer that need not react within a moment of each event (a read model, or
    one that skips most of a busy topic): the broker holds its fetch up to this long, until ~1 MiB
    has gathered, so a steady trickle arrives as a few large batches a second (each one transaction,
    inbox claim and offset commit) instead of dozens of small ones.
    """

    name: str
    topic: str
    description: str = ""
    payload_schema: dict[str, Any] | None = None
    gather_ms: int = 0
    runtime: Runtime | None = field(default=None, repr=False)

    @property
    def group_id(self) -> str:
        return self.name

    def reads(self) -> Collection[type[Event]]:
        """The events this consumer acts on (empty for a raw feed)."""
        return ()

    # --- decoding (per kind) --------------------------------------------------------------------
    def decode(self, record: Any) -> Incoming:
        """Turn a ConsumerRecord into an Incoming, raising Poison when it cannot be used."""
        return undecoded(record)

    def decode_item(self, item: Incoming) -> Incoming:
        """The event of a record handed over undecoded (a new Incoming; `item` is left as it is),
        decoded against what this consumer reads: raises the same Poison as `decode`."""
        return self._counted(decode_event(Incoming(item.topic, item.partition, item.offset, item.key, item.value,
                                                   item.headers, message_id=item.message_id), self.reads()))

    def count_unknown_fields(self, event_type: str, fields: tuple[str, ...]) -> None:
        """Count the fields of a consumed `event_type` event that this service's contracts do not know."""
        service = self.runtime.service if self.runtime is not None else self.name.partition(".")[0]
        note_unknown_fields(service, event_type, fields)

    def _counted(self, item: Incoming) -> Incoming:
        if item.unknown_fields and item.envelope is not None:
            self.count_unknown_fields(item.envelope.event_type, item.unknown_fields)
        return item

    def _to_apply(self, good: list[Incoming]) -> list[Incoming]:
        """The decoded records that need a transaction (the rest are consumed as skipped)."""
        return good

    async def _claim(self, conn: asyncpg.Connection, items: list[Incoming]) -> list[Incoming]:
        """The items not applied before, claimed in the inbox by event id (each first copy only)."""
        new = await inbox.claim(conn, self.name, [i.message_id for i in items])
        fresh = []
        for item in items:
            if item.message_id in new:
                new.discard(item.message_id)
                fresh.append(item)
        return fresh

    async def _handle(self, conn: asyncpg.Connection, fresh: list[Incoming]) -> None:
        raise NotImplementedError

    def _dead_letter_at_once(self) -> bool:
        """Whether a failed record must be dead-lettered before the next one commits (offset marks)."""
        return False

    # --- processing ---------------------------------------------------------------------------
    async def process(self, records: list[Any]) -> None:
        """Process one batch of records; returns only when every record is done or dead-lettered."""
        assert self.runtime is not None, "consumer is not bound to a runtime"
        started = time.perf_counter()
        with tracing.batch_span(self.runtime.service, self.topic, self.name, len(records)) as span, \
                message_context(None, None, None, trace_id=f"{span.get_span_context().trace_id:032x}"):
            await self._process(records, span, started)

    async def _process(self, records: list[Any], span: Any, started: float) -> None:
        """`process` inside the batch's span (shared.tracing.batch_span), linked to its records' traces."""
        assert self.runtime is not None
        good: list[Incoming] = []
        dead: list[DeadLetter] = []
        for record in records:
            try:
                good.append(self._counted(self.decode(record)))
            except Poison as p:
                dead.append(DeadLetter(undecoded(record), p.reason, p.error))
        tracing.link_records(span, map(traceparent_of, good))
        todo = self._to_apply(good)
        if todo:
            dead.extend(await self._apply_with_retries(todo))
        if len(good) > len(todo):  # the skipped are consumed too (`_apply` counts what it applied)
            CONSUMED.labels(self.runtime.service, self.name).inc(len(good) - len(todo))
        if dead:
            await self.runtime.dead_letter(self.name, dead)
        HANDLER_LATENCY.labels(self.runtime.service, self.name).observe(time.perf_counter() - started)

    async def _apply(self, items: list[Incoming]) -> None:
        runtime = self.runtime
        assert runtime is not None and runtime.pool is not None
        async with runtime.pool.acquire() as conn, conn.transaction():
            fresh = await self._claim(conn, items)
            if fresh:
                await self._handle(conn, fresh)
        duplicates = len(items) - len(fresh)
        if duplicates:
            INBOX_DUPLICATES.labels(runtime.service, self.name).inc(duplicates)
            log.info("redelivered messages skipped", consumer=self.name, duplicates=duplicates)
        CONSUMED.labels(runtime.service, self.name).inc(len(items))

    async def _apply_with_retries(self, items: list[Incoming]) -> list[DeadLetter]:
        """Apply the batch; on a handler error, isolate the culprit one message at a time."""
        # `_attempt` answers True, the Poison, or the error's text: only True means the batch committed.
        if await self._attempt(items, bounded=False) is True:
            return []
        dead: list[DeadLetter] = []
        for item in items:
            error = await self._attempt([item], bounded=True)
            if error is True:
                continue
            letter = (DeadLetter(item, error.reason, error.error) if isinstance(error, Poison)  # a batch handler's own
                      else DeadLetter(item, "handler_failed", error))
            if self._dead_letter_at_once():
                assert self.runtime is not None
                await self.runtime.dead_letter(self.name, [letter])
            else:
                dead.append(letter)
        return dead

    async def _attempt(self, items: list[Incoming], *, bounded: bool) -> "bool | str | Poison":
        """True when applied. Transient failures (shared.db.transient_kind: the database away, a
        deadlock, a serialisation failure, a lock or statement timeout) are not the message's fault:
        they retry without limit, with backoff and jitter, in order (nothing later on the partition
        applies first), and the runtime is told so /ready can say it once they last. Other errors
        retry `consumer_max_attempts` times when bounded, else return at once."""
        runtime = self.runtime
        assert runtime is not None
        attempts, backoff = 0, 0.2
        while True:
            try:
                await runtime.wait_for_database()
                await self._apply(items)
                runtime.recovered(self.name)
                return True
            except Poison as p:
                return p
            except Exception as exc:  # noqa: BLE001 - classified below
                HANDLER_RETRIES.labels(runtime.service, self.name).inc()
                kind = transient_kind(exc)
                if kind is not None:
                    log.warning("transient failure while consuming; retrying", consumer=self.name, kind=kind,
                                error=type(exc).__name__, retry_in_s=backoff, first=items[0].where)
                    runtime.transient_failure(self.name, kind, exc)
                else:
                    attempts += 1
                    error = describe(exc)  # its type and masked message: a Postgres DETAIL carries the row
                    log.error("handler failed", consumer=self.name, error=error, attempt=attempts,
                              messages=len(items), first=items[0].where)
                    if not bounded or attempts >= runtime.settings.consumer_max_attempts:
                        return error
                await asyncio.sleep(backoff * random.uniform(0.5, 1.5))  # jitter: instances do not retry in step
                backoff = min(backoff * 2, 5.0)


@dataclass(kw_only=True)
class EventConsumer(BaseConsumer):
    """A consumer of an enveloped event topic with one typed handler per event it reads:
    `async def on_x(conn, event: X, ctx: Context)`. Events of other known types are skipped by
    their headers, unparsed; unknown types and versions are poison.

    `before_handlers(conn, fresh)` runs in the batch's transaction before any handler: to take the
    locks the handlers will take, all at once and in one order (no deadlock between a batch's events).
    """

    handlers: Mapping[type[Event], EventHandler]
    before_handlers: BeforeHandlers | None = None

    def reads(self) -> Collection[type[Event]]:
        return self.handlers

    def decode(self, record: Any) -> Incoming:
        return decode_event(undecoded(record), self.handlers)

    def _to_apply(self, good: list[Incoming]) -> list[Incoming]:
        return [i for i in good if i.event is not None]

    async def _handle(self, conn: asyncpg.Connection, fresh: list[Incoming]) -> None:
        assert self.runtime is not None
        outbox = self.runtime.outbox
        if self.before_handlers is not None:
            await self.before_handlers(conn, fresh)
        service = self.runtime.service
        for item in fresh:
            with handling(service, item):
                await self.handlers[type(item.event)](conn, item.event, Context(item.envelope, outbox, item))


@dataclass(kw_only=True)
class EventBatchConsumer(BaseConsumer):
    """A consumer of an enveloped event topic that applies a whole batch at once:
    `async def on_batch(conn, items, ctx: BatchContext)`, decoding with `ctx.decode(item)` only what
    it reads (a malformed record is Poison there, dead-lettered as anywhere else).

    `batch_reads`: the events it reads. A record whose headers name another known event is skipped
    before any transaction (no inbox row): invoicing reads a few confirmed weeks among ~700,000
    VisitVerified a month. Records without such headers, or naming an unknown event or version,
    still reach the handler, so poison is judged as before.
    """

    batch_handler: BatchHandler
    batch_reads: frozenset[type[Event]]

    def reads(self) -> Collection[type[Event]]:
        return self.batch_reads

    def _to_apply(self, good: list[Incoming]) -> list[Incoming]:
        return [i for i in good if not self._skipped_by_headers(i)]

    def _skipped_by_headers(self, item: Incoming) -> bool:
        model = header_model(item.headers)
        return model is not None and model not in self.batch_reads

    async def _handle(self, conn: asyncpg.Connection, fresh: list[Incoming]) -> None:
        assert self.runtime is not None
        await self.batch_handler(conn, fresh, BatchContext(self.runtime.outbox, self))


@dataclass(kw_only=True)
class RawBatchConsumer(BaseConsumer):
    """A consumer of a raw feed (`ecm.visits`): records are handed over undecoded, in order, and known
    only by topic/partition/offset. The inbox keeps one mark per partition (the highest offset
    applied) instead of a row per record, so a failed record is dead-lettered before the next one
    commits: that commit moves the mark past it."""

    batch_handler: BatchHandler

    async def _claim(self, conn: asyncpg.Connection, items: list[Incoming]) -> list[Incoming]:
        return await inbox.claim_offsets(conn, self.name, items)

    async def _handle(self, conn: asyncpg.Connection, fresh: list[Incoming]) -> None:
        assert self.runtime is not None
        await self.batch_handler(conn, fresh, BatchContext(self.runtime.outbox, self))

    def _dead_letter_at_once(self) -> bool:
        return True


Consumer = BaseConsumer  # any kind, where only the shared part matters (wiring, schemas, tests)
