"""Tracing through events (shared/tracing.py, shared/outbox.py, shared/consumer.py): the relay sends an event's
traceparent as the Kafka header `traceparent`; a consumer handles each record in its trace and what its handler
writes carries that trace on (a new span id when spans are exported, else the record's traceparent as it came);
a batch's span links to its records' traces."""
from __future__ import annotations

import asyncio
import json
import re
from datetime import date

import structlog
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts.envelope import TRACEPARENT_PATTERN, Actor, Event
from contracts.requests import RequestActivated, ServiceRequested
from shared import tracing
from shared.consumer import Context, EventBatchConsumer, EventConsumer, RawBatchConsumer
from shared.events import Cause, envelope_for
from shared.outbox import Outbox, OutboxRelay, envelope_headers
from shared.testing import Record

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
INCOMING = f"00-{TRACE}-{PARENT}-01"
OTHER = f"00-{'a' * 32}-{'b' * 16}-01"
VALID = re.compile(TRACEPARENT_PATTERN)
SYSTEM = Actor(id="test", role="system")


class Probe(Event):
    EVENT_TYPE = "TraceProbe"
    TOPIC = "requests.events"
    thing_id: str

    def aggregate_id(self) -> str:
        return self.thing_id


# --- the relay ----------------------------------------------------------------------------------------
class Batch:
    def __init__(self) -> None:
        self.messages: list = []

    def append(self, *, key, value, timestamp, headers):
        self.messages.append((key, value, dict(headers)))
        return object()


class Producer:
    def __init__(self) -> None:
        self.sent: list = []

    async def partitions_for(self, topic):
        return {0, 1}

    def create_batch(self):
        return Batch()

    async def send_batch(self, batch, topic, *, partition):
        self.sent.extend(batch.messages)
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def test_the_relay_sends_an_events_traceparent_as_the_kafka_header_traceparent():
    cause = Cause("corr-1", None, SYSTEM, INCOMING)
    traced = envelope_for(Probe(thing_id="T-1"), producer="requests", council_id="c", cause=cause)
    untraced = envelope_for(Probe(thing_id="T-2"), producer="requests", council_id="c",
                            cause=Cause("corr-2", None, SYSTEM))
    rows = [{"id": i, "topic": "requests.events", "key": e.aggregate_id, "value": e.model_dump_json().encode(),
             "headers": envelope_headers(e)} for i, e in enumerate((traced, untraced))]
    producer = Producer()
    asyncio.run(OutboxRelay(pool=None, producer=producer, service="requests", schema="requests")._send(rows))
    headers = {key: h for key, _, h in producer.sent}
    assert headers[b"T-1"]["traceparent"] == INCOMING.encode()
    assert "traceparent" not in headers[b"T-2"]


# --- consumers ----------------------------------------------------------------------------------------
class Connection:
    """Just enough of asyncpg for a batch: a transaction, the inbox claim, the outbox insert."""

    def __init__(self) -> None:
        self.outbox: list[tuple] = []

    def transaction(self):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False

    def is_in_transaction(self) -> bool:
        return True

    async def fetch(self, sql, *args):  # the inbox claims: every record is new
        return [] if "inbox_offsets" in sql else [{"message_id": i} for i in args[1]]

    async def execute(self, *_args):
        return None

    async def executemany(self, _sql, records):
        self.outbox.extend(records)


class Pool:
    def __init__(self) -> None:
        self.conn = Connection()

    def acquire(self):
        return self.conn


class Runtime:
    service = "requests"

    def __init__(self) -> None:
        self.pool, self.outbox = Pool(), Outbox("requests", "test-council")
        self.settings = type("Settings", (), {"consumer_max_attempts": 1})()
        self.dead: list = []

    async def wait_for_database(self):
        return None

    def transient_failure(self, *args):
        pass

    def recovered(self, consumer):
        pass

    async def dead_letter(self, consumer, letters):
        self.dead.extend(letters)


def requested(request_id: str, traceparent: str | None, *, header: str | None = None) -> Record:
    envelope = envelope_for(ServiceRequested(request_id=request_id, person_ref="P-1", requested_by="person",
                                             requested_start=date(2026, 1, 5)),
                            producer="requests", council_id="test-council", cause=Cause("corr", None, SYSTEM,
                                                                                        traceparent))
    headers = envelope_headers(envelope)
    if header is not None:
        headers["traceparent"] = header
    return Record("requests.events", 0, int(request_id[-1]), request_id.encode(), envelope.model_dump_json().encode(),
                  tuple((k, v.encode()) for k, v in headers.items()))


LOGGED: list[tuple[str, str | None]] = []


async def activate(conn, event: ServiceRequested, ctx: Context) -> None:
    """A handler that writes an event following from the one it reads (and notes the trace its log lines name)."""
    LOGGED.append((event.request_id, structlog.contextvars.get_contextvars().get("trace_id")))
    await ctx.publish(conn, [RequestActivated(request_id=event.request_id, person_ref=event.person_ref,
                                              service_start=event.requested_start, days_from_request_to_start=0)])


def consumed(*records: Record) -> list[tuple[str, dict]]:
    """(traceparent in the value, Kafka headers) of each event the handler wrote, in order."""
    runtime = Runtime()
    consumer = EventConsumer(name="test.requests", topic="requests.events", handlers={ServiceRequested: activate},
                             runtime=runtime)
    asyncio.run(consumer.process(list(records)))
    assert runtime.dead == []
    return [(json.loads(row[4])["traceparent"], row[5]) for row in runtime.pool.conn.outbox]


def test_a_consumer_continues_each_records_trace_into_what_its_handler_writes():
    spans = InMemorySpanExporter()
    with tracing.exported_to("requests", spans):
        written = consumed(requested("REQ-1", INCOMING), requested("REQ-2", OTHER))
    handled = sorted((s for s in spans.get_finished_spans() if s.name == "handle ServiceRequested"),
                     key=lambda s: s.attributes["messaging.kafka.offset"])
    [batch] = [s for s in spans.get_finished_spans() if s.name == "process requests.events"]
    assert [(f"{s.context.trace_id:032x}", f"{s.parent.span_id:016x}") for s in handled] == [
        (TRACE, PARENT), ("a" * 32, "b" * 16)]
    assert {s.kind for s in (batch, *handled)} == {SpanKind.CONSUMER}
    assert {f"{link.context.trace_id:032x}" for link in batch.links} == {TRACE, "a" * 32}
    assert all(link.context.span_id == batch.context.span_id for s in handled for link in s.links)
    # What REQ-1's handler wrote is in REQ-1's trace, a child of the span that handled it; REQ-2's in REQ-2's.
    expected = [f"00-{TRACE}-{handled[0].context.span_id:016x}-01", f"00-{'a' * 32}-{handled[1].context.span_id:016x}-01"]
    assert [tp for tp, _ in written] == [h["traceparent"] for _, h in written] == expected


def test_without_an_exporter_what_a_handler_writes_carries_the_records_traceparent_as_it_came():
    assert not tracing.tracer_of("requests").exporting
    LOGGED.clear()
    written = consumed(requested("REQ-1", INCOMING), requested("REQ-2", OTHER), requested("REQ-3", None))
    assert LOGGED == [("REQ-1", TRACE), ("REQ-2", "a" * 32), ("REQ-3", written[2][0][3:35])]  # the log lines' trace
    assert [tp for tp, _ in written[:2]] == [INCOMING, OTHER]
    assert [h["traceparent"] for _, h in written[:2]] == [INCOMING, OTHER]
    # An event written before traceparents (none in its envelope or headers): the batch's new trace goes on.
    assert VALID.match(written[2][0]) and written[2][0][3:35] not in (TRACE, "a" * 32)


def test_the_kafka_header_names_the_records_trace_before_its_envelope():
    spans = InMemorySpanExporter()
    with tracing.exported_to("requests", spans):
        [(written, _)] = consumed(requested("REQ-1", OTHER, header=INCOMING))
    [handled] = [s for s in spans.get_finished_spans() if s.name == "handle ServiceRequested"]
    assert f"{handled.context.trace_id:032x}" == TRACE and f"{handled.parent.span_id:016x}" == PARENT
    assert written == OTHER  # Cause.from_envelope continues the envelope's trace: another trace than the span's


def test_a_batch_handler_writes_in_the_batchs_trace_and_its_span_links_the_records():
    seen: list[str | None] = []

    async def on_batch(conn, items, ctx) -> None:
        seen.append(tracing.current_traceparent())

    spans = InMemorySpanExporter()
    runtime = Runtime()
    with tracing.exported_to("requests", spans):
        for consumer in (RawBatchConsumer(name="test.raw", topic="requests.events", batch_handler=on_batch,
                                          runtime=runtime),
                         EventBatchConsumer(name="test.batch", topic="requests.events", batch_handler=on_batch,
                                            batch_reads=frozenset({ServiceRequested}), runtime=runtime)):
            asyncio.run(consumer.process([requested("REQ-1", INCOMING), requested("REQ-2", OTHER)]))
    batches = [s for s in spans.get_finished_spans() if s.name == "process requests.events"]
    assert [tracing.traceparent_of(s.context) for s in batches] == seen
    for span in batches:
        assert span.parent is None and span.attributes["messaging.batch.message_count"] == 2
        assert {f"{link.context.trace_id:032x}" for link in span.links} == {TRACE, "a" * 32}
