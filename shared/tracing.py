"""Tracing: OpenTelemetry spans, and the W3C `traceparent` that carries one trace from an HTTP request into the
events it causes, through every consumer of them and into the events those write.

Where the trace goes:
- HTTP (`http_server_span`, run by shared.service's middleware): the request's `traceparent`/`tracestate` are
  extracted and a SERVER span "<METHOD> <route template>" continues them; its traceparent is put on
  `request.state.traceparent` (shared.http.cause_of carries it into the events) and answered in the
  `traceparent` response header. A request that brought none starts a new trace here.
- Events: `Envelope.traceparent` (contracts.envelope), written from `Cause.traceparent` (shared.events), and
  the Kafka header `traceparent` (shared.outbox keeps it with the row's headers; the relay sends them all).
- Consumers (shared.consumer): a CONSUMER span per batch (`batch_span`), linked to the records' traces, and,
  for a typed handler, a span per record in that record's trace (`record_span`, only while spans are exported:
  a span costs tens of µs). What a handler writes follows from the record: `Cause.from_envelope` asks
  `continued(envelope.traceparent)`, the current span's traceparent when it is in the record's trace, else the
  record's own traceparent, so the trace goes on either way.

Spans leave the process (OTLP over HTTP, a BatchSpanProcessor) only when OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the SDK reads the other standard OTEL_* variables itself (headers,
timeout, sampler, batch sizes, resource attributes, OTEL_SDK_DISABLED). Without it no span is built at all, and
the traceparent travels just the same: passed on as it came, generated at the edge (an HTTP request without
one, a batch of the raw feed). Nothing personal goes on a span: route templates, not paths; ids, not names;
an error as its type and masked message (shared.redaction), never its raw text or traceback.
"""
from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from contracts.envelope import TRACEPARENT_PATTERN
from shared.redaction import describe

TRACEPARENT = "traceparent"
PROPAGATOR = TraceContextTextMapPropagator()
MAX_LINKS = 128  # the SDK's default span link limit: a batch links to its first records' traces
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)
_IDS = RandomIdGenerator()
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)


@dataclass(frozen=True)
class ServiceTracer:
    """One service's tracer; `exporting` when its spans leave the process (worth a span per record)."""

    tracer: trace.Tracer
    provider: TracerProvider | None = None

    @property
    def exporting(self) -> bool:
        return self.provider is not None


_OFF = ServiceTracer(trace.NoOpTracer())
_TRACERS: dict[str, ServiceTracer] = {}


def otlp_configured(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the standard variables ask for spans to be exported over OTLP."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def setup_tracing(service: str, instance_id: str) -> ServiceTracer:
    """The tracing of `service`'s process, set up once (create_service): a TracerProvider (service.name
    `carepay-<service>`, service.instance.id) exporting over OTLP when `otlp_configured()`; else none at all."""
    found = _TRACERS.get(service)
    if found is None:
        found = _TRACERS[service] = _OFF if not otlp_configured() else _provided(service, instance_id, None)
    return found


def _provided(service: str, instance_id: str, exporter: SpanExporter | None) -> ServiceTracer:
    """A TracerProvider of its own for `service`, exporting to `exporter` span by span, else over OTLP in batches."""
    resource = Resource.create({"service.name": f"carepay-{service}", "service.namespace": "carepay",
                                "service.instance.id": f"{instance_id}@{socket.gethostname()}"})
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # only when used
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    tracer = provider.get_tracer("carepay")
    return ServiceTracer(tracer, None if isinstance(tracer, trace.NoOpTracer) else provider)  # OTEL_SDK_DISABLED


def tracer_of(service: str) -> ServiceTracer:
    return _TRACERS.get(service, _OFF)


def flush(service: str) -> None:
    """Export what `service` has ended and not yet sent (at shutdown)."""
    provider = tracer_of(service).provider
    if provider is not None:
        provider.force_flush(timeout_millis=5000)


@contextmanager
def exported_to(service: str, exporter: SpanExporter) -> Iterator[ServiceTracer]:
    """Within the block `service`'s spans go to `exporter` as each ends (tests: an InMemorySpanExporter)."""
    before = _TRACERS.get(service)
    _TRACERS[service] = st = _provided(service, "test", exporter)
    try:
        yield st
    finally:
        if before is None:
            _TRACERS.pop(service, None)
        else:
            _TRACERS[service] = before


# --- traceparents ---------------------------------------------------------------------------------
def traceparent_of(ctx: SpanContext) -> str | None:
    """`ctx` as a W3C traceparent (version 00), or None for the invalid context."""
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags) & 0xFF:02x}"


def span_context_of(traceparent: str | None) -> SpanContext | None:
    """The remote span context a traceparent names; None when it is missing or not a valid one."""
    if not traceparent or not _TRACEPARENT.match(traceparent) or traceparent.startswith("ff"):
        return None
    ctx = SpanContext(int(traceparent[3:35], 16), int(traceparent[36:52], 16), is_remote=True,
                      trace_flags=TraceFlags(int(traceparent[53:55], 16)))
    return ctx if ctx.is_valid else None


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id (32 hex digits) of a traceparent of the right shape, for log lines."""
    return traceparent[3:35] if traceparent and _TRACEPARENT.match(traceparent) else None


def current_traceparent() -> str | None:
    """The traceparent of the current span (an HTTP request's, a consumer batch's or record's), if any."""
    return traceparent_of(trace.get_current_span().get_span_context())


def continued(traceparent: str | None) -> str | None:
    """The traceparent for what follows from something that carried `traceparent`: the current span's when it is
    in the same trace (a new span id; or when there was none to continue), else `traceparent` itself."""
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid and (traceparent is None or traceparent[3:35] == f"{ctx.trace_id:032x}"):
        return traceparent_of(ctx)
    return traceparent


@contextmanager
def _current(span: trace.Span) -> Iterator[None]:
    """`span` current within the block and ended after it. A failure marks it ERROR with the error's type and its
    message as shared.redaction masks it, never the raw text or traceback: those may carry what a client sent."""
    with trace.use_span(span, end_on_exit=True, record_exception=False, set_status_on_exception=False):
        try:
            yield
        except Exception as exc:
            if span.is_recording():
                span.set_attribute("error.type", type(exc).__qualname__)
                span.set_status(Status(StatusCode.ERROR, describe(exc, limit=500)))
            raise


def _new_trace() -> NonRecordingSpan:
    """A span of a new trace that nobody records: gives the traceparent a start when spans are not exported."""
    return NonRecordingSpan(SpanContext(_IDS.generate_trace_id(), _IDS.generate_span_id(), is_remote=False,
                                        trace_flags=_SAMPLED))


# --- HTTP -----------------------------------------------------------------------------------------
class HttpSpan:
    """The SERVER span of one request, named once routing has found the route template."""

    def __init__(self, span: trace.Span, method: str) -> None:
        self.span, self.method = span, method
        ctx = span.get_span_context()
        self.traceparent: str = traceparent_of(ctx)  # type: ignore[assignment]  # always valid (see below)
        self.trace_id = f"{ctx.trace_id:032x}"

    def finish(self, route: str | None, status: int) -> None:
        """Name the span after `route` (the template, never the path: paths carry ids) and record the status."""
        if not self.span.is_recording():
            return
        if route is not None:
            self.span.update_name(f"{self.method} {route}")
            self.span.set_attribute("http.route", route)
        self.span.set_attribute("http.response.status_code", status)
        if status >= 500:
            self.span.set_attribute("error.type", str(status))
            self.span.set_status(Status(StatusCode.ERROR))


@contextmanager
def http_server_span(service: str, method: str, headers: Mapping[str, str], *, scheme: str = "http",
                     http_version: str | None = None, correlation_id: str | None = None) -> Iterator[HttpSpan]:
    """The request's SERVER span, current within the block, in the trace its `traceparent` header names (a new
    trace when it brought none, or a malformed one). Not exported, it is the incoming context itself."""
    st = tracer_of(service)
    parent = PROPAGATOR.extract(headers)
    if st.exporting:
        attributes = {"http.request.method": method, "url.scheme": scheme}
        if http_version:
            attributes["network.protocol.version"] = http_version
        if correlation_id:
            attributes["carepay.correlation_id"] = correlation_id
        span = st.tracer.start_span(method, context=parent, kind=SpanKind.SERVER, attributes=attributes)
    else:
        span = trace.get_current_span(parent)
    if not span.get_span_context().is_valid:
        span = _new_trace()
    with _current(span):
        yield HttpSpan(span, method)


# --- consumers ------------------------------------------------------------------------------------
@contextmanager
def batch_span(service: str, topic: str, consumer: str, records: int) -> Iterator[trace.Span]:
    """A CONSUMER span over one batch, current within the block: a trace of its own (the records may belong to
    many), linked to theirs with `link_records`. Not exported, a new trace nobody records, which what the batch
    writes carries when its records carried none (the raw feed)."""
    st = tracer_of(service)
    if st.exporting:
        span = st.tracer.start_span(f"process {topic}", context=Context(), kind=SpanKind.CONSUMER, attributes={
            "messaging.system": "kafka", "messaging.operation.type": "process", "messaging.operation.name": "process",
            "messaging.destination.name": topic, "messaging.consumer.group.name": consumer,
            "messaging.batch.message_count": records})
    else:
        span = _new_trace()
    with _current(span):
        yield span


def link_records(span: trace.Span, traceparents: Iterable[str | None]) -> None:
    """Link a recording batch span to the traces of its records (the first MAX_LINKS that carry one)."""
    if not span.is_recording():
        return
    contexts = (ctx for ctx in map(span_context_of, traceparents) if ctx is not None)
    for ctx in islice(contexts, MAX_LINKS):
        span.add_link(ctx)


@contextmanager
def record_span(service: str, topic: str, event_type: str, traceparent: str | None, *,
                attributes: Mapping[str, str | int] | None = None) -> Iterator[str | None]:
    """While one consumed record is handled: a CONSUMER span in its trace (a child of `traceparent`, linked to
    the batch's span) when spans are exported; yields the trace id for log lines either way."""
    st = tracer_of(service)
    if not st.exporting:
        yield trace_id_of(traceparent) or trace_id_of(current_traceparent())
        return
    parent_ctx = span_context_of(traceparent)
    parent = Context() if parent_ctx is None else trace.set_span_in_context(NonRecordingSpan(parent_ctx), Context())
    batch = trace.get_current_span().get_span_context()
    span = st.tracer.start_span(f"handle {event_type}", context=parent, kind=SpanKind.CONSUMER,
                                links=[Link(batch)] if batch.is_valid else None, attributes={
                                    "messaging.system": "kafka", "messaging.operation.type": "process",
                                    "messaging.destination.name": topic, "carepay.event_type": event_type,
                                    **(attributes or {})})
    with _current(span):
        yield f"{span.get_span_context().trace_id:032x}"
