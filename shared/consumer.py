"""Idempotent, batch-at-a-time Kafka consumers with a dead-letter topic.

The contract every consumer in Carepay keeps:
- one database transaction per batch: inbox claims + the effect + outbox rows;
- offsets are committed only after that transaction commits (manual ack), so a crash replays
  the batch and the inbox turns the replay into a no-op;
- a message that cannot be parsed, or whose handler keeps failing, goes to `<service>.dlq` with
  headers naming its origin and the error, and the partition moves on;
- a database that is down is not the message's fault: the batch waits and retries, it is not
  dead-lettered.
"""
from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
from pydantic import ValidationError

from contracts.envelope import Envelope, Event, RawEnvelope
from contracts.registry import lookup
from shared import inbox
from shared.db import is_connection_error
from shared.logging import get_logger, message_context
from shared.metrics import CONSUMED, HANDLER_LATENCY, HANDLER_RETRIES, INBOX_DUPLICATES

if TYPE_CHECKING:
    from shared.service import ServiceRuntime

log = get_logger(__name__)


@dataclass
class Incoming:
    """One consumed Kafka record, decoded as far as the consumer's contract allows."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None
    headers: dict[str, str]
    message_id: str
    envelope: Envelope | None = None
    event: Event | None = None

    @property
    def where(self) -> str:
        return f"{self.topic}/{self.partition}@{self.offset}"


@dataclass
class DeadLetter:
    message: Incoming
    reason: str
    error: str


class Poison(Exception):
    """A message that will never succeed as it is: dead-letter it with this reason."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


EventHandler = Callable[[asyncpg.Connection, Incoming], Awaitable[None]]
BatchHandler = Callable[[asyncpg.Connection, list[Incoming]], Awaitable[None]]


@dataclass
class Consumer:
    """A named consumer group of one service on one topic.

    Give `handlers` (event model -> handler) for an enveloped event topic: events of other known
    types are skipped, unknown types and versions are poison. Give `batch_handler` instead for a
    raw topic (such as `ecm.visits`), whose records are handed over undecoded and identified by
    topic/partition/offset.
    """

    name: str
    topic: str
    handlers: Mapping[type[Event], EventHandler] = field(default_factory=dict)
    batch_handler: BatchHandler | None = None
    description: str = ""
    payload_schema: dict[str, Any] | None = None
    runtime: "ServiceRuntime | None" = None
    # For a raw topic (batch_handler) whose records are known only by topic/partition/offset: the inbox
    # keeps a mark per partition instead of a row per record (shared.inbox.claim_offsets).
    inbox_by_offset: bool = False
    # Called with the batch's new messages before their handlers, in the batch's transaction: to take the
    # locks the handlers will take, all at once and in one order (no deadlock between events of a batch).
    before_handlers: BatchHandler | None = None
    # For a consumer that need not react within a moment of each event (a read model, or one that skips
    # most of a busy topic): the broker holds its fetch up to this long, until ~1 MiB has gathered. At a
    # steady trickle it then takes a few large batches a second instead of dozens of small ones, each with
    # its own transaction, inbox claim and offset commit, and leaves the cores to the latency-critical path.
    gather_ms: int = 0
    # For a batch_handler on an event topic: the events it reads. A record whose headers name another
    # known event is skipped before the transaction, as `handlers` consumers skip it: no inbox row and no
    # transaction for it (invoicing reads a few confirmed weeks among ~700,000 VisitVerified a month).
    # Records without such headers, or naming an unknown event or version, still go to the handler.
    batch_reads: frozenset[type[Event]] = frozenset()

    def __post_init__(self) -> None:
        if self.batch_reads and self.batch_handler is None:
            raise ValueError(f"{self.name}: batch_reads is for a batch_handler; handlers name their events")
        if self.inbox_by_offset and self.batch_handler is None:
            raise ValueError(f"{self.name}: offset marks are for raw topics (a batch_handler); events keep "
                             "their ids in the inbox, since a copy published again is at another offset")

    @property
    def group_id(self) -> str:
        return self.name

    # --- decoding -----------------------------------------------------------------------------
    def decode(self, record: Any) -> Incoming:
        """Turn a ConsumerRecord into an Incoming, raising Poison when it cannot be used."""
        headers = {k: (v.decode(errors="replace") if isinstance(v, bytes) else str(v))
                   for k, v in (record.headers or ())}
        key = record.key.decode(errors="replace") if isinstance(record.key, bytes) else record.key
        item = Incoming(record.topic, record.partition, record.offset, key, record.value, headers,
                        message_id=f"{record.topic}:{record.partition}:{record.offset}")
        if self.batch_handler is not None:
            return item
        return self._decode_event(item)

    def decode_item(self, item: Incoming) -> Incoming:
        """`decode` for a record a batch handler was handed undecoded (a new Incoming; `item` is left as it
        is): raises the same Poison."""
        return self._decode_event(Incoming(item.topic, item.partition, item.offset, item.key, item.value,
                                           item.headers, message_id=item.message_id))

    def _skipped_by_headers(self, item: Incoming) -> bool:
        """Whether the record's headers name a known event that this batch consumer does not read."""
        model = _header_model(item.headers)
        return model is not None and model not in self.batch_reads

    def _decode_event(self, item: Incoming) -> Incoming:
        """The enveloped event of `item` (its key and headers already text), if this consumer acts on it."""
        headers, key = item.headers, item.key
        # Our producers name the event in a header: an event this consumer does not act on is
        # skipped without parsing its body (invoicing need not parse 700,000 VisitVerified a month).
        header_model = _header_model(headers)
        if header_model is not None and header_model not in self.handlers:
            return item
        if item.value is None:
            raise Poison("empty_value", "the record has no value")
        if header_model is not None and self._read_at_once(item, header_model):
            return item
        try:
            raw = RawEnvelope.model_validate_json(item.value)
        except ValidationError as exc:
            kind = "invalid_json" if any(e["type"] == "json_invalid" for e in exc.errors()) else "invalid_envelope"
            raise Poison(kind, _short(exc)) from exc
        model = lookup(raw.event_type, raw.schema_version)
        if model is None:
            known = lookup(raw.event_type, 1)
            reason = "unknown_schema_version" if known else "unknown_event_type"
            raise Poison(reason, f"{raw.event_type} v{raw.schema_version} is not in the contracts registry")
        if key != raw.aggregate_id:
            raise Poison("wrong_key", f"record key {key!r} is not the aggregate_id {raw.aggregate_id!r}")
        item.message_id = str(raw.event_id)
        if model in self.handlers:
            try:
                item.event = model.model_validate(raw.payload)
            except ValidationError as exc:
                raise Poison("invalid_payload", _short(exc)) from exc
            item.envelope = Envelope[model](**{**raw.model_dump(exclude={"payload"}), "payload": item.event})
        return item

    @staticmethod
    def _read_at_once(item: Incoming, model: type[Event]) -> bool:
        """The envelope of the event its headers name, read in one pass; False when anything is off
        (the two-pass reading below then says exactly what, as poison)."""
        try:
            envelope = _envelope_of(model).model_validate_json(item.value)
        except ValidationError:
            return False
        if (envelope.event_type, envelope.schema_version) != (model.EVENT_TYPE, model.SCHEMA_VERSION) \
                or item.key != envelope.aggregate_id:
            return False
        item.message_id, item.event, item.envelope = str(envelope.event_id), envelope.payload, envelope
        return True

    # --- processing ---------------------------------------------------------------------------
    async def process(self, records: list[Any]) -> None:
        """Process one batch of records; returns only when every record is done or dead-lettered."""
        assert self.runtime is not None, "consumer is not bound to a runtime"
        started = time.perf_counter()
        good: list[Incoming] = []
        dead: list[DeadLetter] = []
        for record in records:
            try:
                good.append(self.decode(record))
            except Poison as p:
                dead.append(DeadLetter(_undecoded(record), p.reason, p.error))
        # Only what this consumer acts on needs a transaction and an inbox row.
        if self.batch_handler is None:
            todo = [i for i in good if i.event is not None]
        elif self.batch_reads:
            todo = [i for i in good if not self._skipped_by_headers(i)]
        else:
            todo = good
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
            if self.inbox_by_offset:
                fresh = await inbox.claim_offsets(conn, self.name, items)
            else:
                new = await inbox.claim(conn, self.name, [i.message_id for i in items])
                # The same message twice in one batch is claimed once: keep only its first copy.
                fresh = []
                for item in items:
                    if item.message_id in new:
                        new.discard(item.message_id)
                        fresh.append(item)
            if self.batch_handler is not None:
                if fresh:
                    await self.batch_handler(conn, fresh)
            else:
                if self.before_handlers is not None and fresh:
                    await self.before_handlers(conn, fresh)
                for item in fresh:
                    env = item.envelope
                    with message_context(str(env.event_id), env.correlation_id, env.causation_id):
                        await self.handlers[type(item.event)](conn, item)
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
            if self.inbox_by_offset:
                # Out before the next record commits: that commit moves the partition's mark past this one,
                # so a crash before a later publish would leave it neither applied nor dead-lettered.
                assert self.runtime is not None
                await self.runtime.dead_letter(self.name, [letter])
            else:
                dead.append(letter)
        return dead

    async def _attempt(self, items: list[Incoming], *, bounded: bool) -> "bool | str | Poison":
        """True when applied. Connection errors retry without limit (not the message's fault);
        other errors retry `consumer_max_attempts` times when bounded, else return at once."""
        runtime = self.runtime
        assert runtime is not None
        attempts, backoff = 0, 0.2
        while True:
            try:
                await runtime.wait_for_database()
                await self._apply(items)
                return True
            except Poison as p:
                return p
            except Exception as exc:  # noqa: BLE001 - classified below
                HANDLER_RETRIES.labels(runtime.service, self.name).inc()
                if is_connection_error(exc):
                    log.warning("database unavailable while consuming; retrying", consumer=self.name,
                                error=repr(exc), retry_in_s=backoff)
                    runtime.database_lost(exc)
                else:
                    attempts += 1
                    log.error("handler failed", consumer=self.name, error=repr(exc), attempt=attempts,
                              messages=len(items), first=items[0].where)
                    if not bounded or attempts >= runtime.settings.consumer_max_attempts:
                        return repr(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)


@functools.cache
def _envelope_of(model: type[Event]) -> type[Envelope]:
    return Envelope[model]


def _header_model(headers: Mapping[str, str]) -> type[Event] | None:
    """The known event a record's headers name (our producers always name it), or None."""
    return lookup(headers.get("event_type", ""), _int_or_zero(headers.get("schema_version")))


def _int_or_zero(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _short(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(message)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _undecoded(record: Any) -> Incoming:
    headers = {k: (v.decode(errors="replace") if isinstance(v, bytes) else str(v))
               for k, v in (record.headers or ())}
    key = record.key.decode(errors="replace") if isinstance(record.key, bytes) else record.key
    return Incoming(record.topic, record.partition, record.offset, key, record.value, headers,
                    message_id=f"{record.topic}:{record.partition}:{record.offset}")


def dlq_headers(letter: DeadLetter, consumer: str) -> list[tuple[str, bytes]]:
    """The original headers plus where the message came from and why it was dead-lettered."""
    m = letter.message
    extra = {
        "dlq_original_topic": m.topic,
        "dlq_original_partition": str(m.partition),
        "dlq_original_offset": str(m.offset),
        "dlq_consumer": consumer,
        "dlq_reason": letter.reason,
        "dlq_error": letter.error[:1000],
        "dlq_failed_at": str(int(time.time() * 1000)),
    }
    merged = {k: v for k, v in m.headers.items() if not k.startswith("dlq_")} | extra
    return [(k, v.encode()) for k, v in merged.items()]


def describe_dead_letter(headers: Mapping[str, str]) -> str:
    """One line for operators: where it came from and why."""
    return json.dumps({k: headers.get(k) for k in ("dlq_original_topic", "dlq_original_partition",
                                                   "dlq_original_offset", "dlq_consumer", "dlq_reason",
                                                   "dlq_error")})
