"""One trace through a service against Postgres alone (agreements): an HTTP request's traceparent into the events it
records and, by the relay, into the Kafka headers of their records; a consumed event's trace into what its
handler records. With the SDK's InMemorySpanExporter, and without any exporter."""
from __future__ import annotations

import asyncio
import json

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts.requests import BudgetAgreed
from services.agreements.app import app
from services.agreements.handlers.requests import REQUESTS
from shared import tracing
from shared.outbox import OutboxRelay
from shared.testing import DatabaseOnly
from tests.db.agreements.helpers import agreed_direct_payment, person, provider

pytestmark = pytest.mark.db

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING = f"00-{TRACE}-00f067aa0ba902b7-01"
OTHER = f"00-{'a' * 32}-{'b' * 16}-01"


class Batch:
    def __init__(self) -> None:
        self.messages: list = []

    def append(self, *, key, value, timestamp, headers):
        self.messages.append((value, dict(headers)))
        return object()


class Producer:
    """What the relay hands to Kafka: each record's value and headers."""

    def __init__(self) -> None:
        self.sent: list = []

    async def partitions_for(self, topic):
        return {0, 1, 2}

    def create_batch(self):
        return Batch()

    async def send_batch(self, batch, topic, *, partition):
        self.sent.extend(batch.messages)
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


async def _relayed(db: DatabaseOnly) -> list[tuple[dict, dict]]:
    """Every outbox row the relay sends, as (the envelope, the Kafka headers as text)."""
    producer = Producer()
    assert await OutboxRelay(db.pool, producer, service="agreements", schema=db.schema).publish_batch() > 0
    return [(json.loads(value), {k: v.decode() for k, v in headers.items()}) for value, headers in producer.sent]


async def test_a_requests_trace_reaches_its_events_kafka_headers_and_a_consumed_events_trace_what_follows():
    spans = InMemorySpanExporter()
    async with DatabaseOnly("agreements") as db, db.http(app) as client:
        with tracing.exported_to("agreements", spans):
            provider_id = await _registered(db, client)
            server = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER][-1]
            assert (server.name, f"{server.context.trace_id:032x}") == ("POST /providers", TRACE)
            registered = [(e, h) for e, h in await _relayed(db) if e["aggregate_id"] == provider_id]
            assert registered, "registering a provider records its events"
            for envelope, headers in registered:
                assert envelope["traceparent"] == headers["traceparent"] == tracing.traceparent_of(server.context)

            who = person()
            await agreed_direct_payment(db, client, who)
            await _relayed(db)  # what that recorded
            spans.clear()
            await db.send(REQUESTS, BudgetAgreed(request_id="REQ-TRACE", person_ref=who, weekly_budget_pence=25_000,
                                                 weekly_contribution_pence=5_000), traceparent=OTHER)
        [handled] = [s for s in spans.get_finished_spans() if s.name == "handle BudgetAgreed"]
        assert (f"{handled.context.trace_id:032x}", f"{handled.parent.span_id:016x}") == ("a" * 32, "b" * 16)
        [changed] = [(e, h) for e, h in await _relayed(db) if e["event_type"] == "CommitmentChanged"
                     and e["payload"]["person_ref"] == who]
        assert changed[0]["traceparent"] == changed[1]["traceparent"] == tracing.traceparent_of(handled.context)
        assert db.dead == []


async def test_without_an_exporter_the_traceparents_travel_as_they_came():
    assert not tracing.tracer_of("agreements").exporting
    async with DatabaseOnly("agreements") as db, db.http(app) as client:
        provider_id = await _registered(db, client)
        registered = [(e, h) for e, h in await _relayed(db) if e["aggregate_id"] == provider_id]
        assert registered and {(e["traceparent"], h["traceparent"]) for e, h in registered} == {(INCOMING, INCOMING)}
        who = person()
        await agreed_direct_payment(db, client, who)
        await _relayed(db)
        await db.send(REQUESTS, BudgetAgreed(request_id="REQ-TRACE", person_ref=who, weekly_budget_pence=25_000,
                                             weekly_contribution_pence=5_000), traceparent=OTHER)
        [(envelope, headers)] = [(e, h) for e, h in await _relayed(db) if e["event_type"] == "CommitmentChanged"
                                 and e["payload"]["person_ref"] == who]
        assert envelope["traceparent"] == headers["traceparent"] == OTHER


async def _registered(db: DatabaseOnly, client) -> str:
    """A provider registered by a request in the trace INCOMING names."""
    original = client.headers.get("traceparent")
    client.headers["traceparent"] = INCOMING
    try:
        return await provider(db, client)
    finally:
        if original is None:
            del client.headers["traceparent"]
