"""Tracing (shared/tracing.py) at the HTTP edge: a request's traceparent goes into its SERVER span, the events it
causes and the response; without one a trace starts there; without an exporter no span is built and the
traceparent travels the same; spans go over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Spans are caught
by the SDK's InMemorySpanExporter. (Through events and consumers: test_tracing_events.py.)"""
from __future__ import annotations

import re

import pytest
import structlog
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts.envelope import TRACEPARENT_PATTERN, Event
from shared import tracing
from shared.auth import Principal
from shared.http import cause_of
from shared.metrics import REGISTRY
from shared.outbox import Outbox, envelope_headers
from shared.service import create_service
from shared.settings import REPO_ROOT

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
INCOMING = f"00-{TRACE}-{PARENT}-01"
VALID = re.compile(TRACEPARENT_PATTERN)


class Probe(Event):
    EVENT_TYPE = "TraceProbe"
    TOPIC = "requests.events"
    thing_id: str

    def aggregate_id(self) -> str:
        return self.thing_id


router = APIRouter()


@router.post("/things/{thing_id}")
async def touch_thing(thing_id: str, request: Request) -> dict:
    """What a route records: an event caused by the request (shared.http.cause_of)."""
    envelope = Outbox("requests", "test-council").envelope(
        Probe(thing_id=thing_id), cause_of(request, Principal(subject="u-1", role="social_worker")))
    return {"envelope": envelope.model_dump(mode="json"), "headers": envelope_headers(envelope),
            "logged_trace_id": structlog.contextvars.get_contextvars().get("trace_id")}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = create_service("requests", service_dir=REPO_ROOT / "services" / "requests", routers=[router])
    return TestClient(app)  # the lifespan (Kafka, Postgres) is not run


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    with tracing.exported_to("requests", exporter):
        yield exporter


def server_span(spans: InMemorySpanExporter):
    [span] = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    return span


# --- HTTP -------------------------------------------------------------------------------------------
def test_a_request_with_a_traceparent_is_served_in_its_trace_and_its_events_carry_it_on(client, spans):
    answer = client.post("/things/T-123", headers={"traceparent": INCOMING, "tracestate": "vendor=1"})
    assert answer.status_code == 200
    span = server_span(spans)
    assert (span.name, f"{span.context.trace_id:032x}", f"{span.parent.span_id:016x}") == (
        "POST /things/{thing_id}", TRACE, PARENT)
    assert span.attributes["http.route"] == "/things/{thing_id}"
    assert span.attributes["http.request.method"] == "POST" and span.attributes["http.response.status_code"] == 200
    assert not any("T-123" in str(v) for v in span.attributes.values())  # the template, never the path
    assert span.resource.attributes["service.name"] == "carepay-requests"
    assert span.resource.attributes["service.instance.id"]
    ours = f"00-{TRACE}-{span.context.span_id:016x}-01"  # the caller's flags (sampled)
    body = answer.json()
    assert body["envelope"]["traceparent"] == body["headers"]["traceparent"] == answer.headers["traceparent"] == ours
    assert body["logged_trace_id"] == TRACE


def test_a_request_without_a_traceparent_starts_a_trace(client, spans):
    first = client.post("/things/T-1").json()["envelope"]["traceparent"]
    span = server_span(spans)
    assert span.parent is None
    assert first == tracing.traceparent_of(span.context)
    spans.clear()
    second = client.post("/things/T-1").json()["envelope"]["traceparent"]
    assert second[3:35] != first[3:35]


def test_a_malformed_traceparent_is_not_continued_but_replaced(client, spans):
    answer = client.post("/things/T-1", headers={"traceparent": f"00-{TRACE}-zz-01"})
    assert server_span(spans).parent is None
    assert VALID.match(answer.json()["envelope"]["traceparent"]) and TRACE not in answer.headers["traceparent"]


@pytest.fixture(scope="module")
def broken_client() -> TestClient:
    broken = APIRouter()

    @broken.get("/broken")
    async def break_down() -> None:
        raise RuntimeError("could not pay sort code 20-00-00 account 12345678")

    app = create_service("requests", service_dir=REPO_ROOT / "services" / "requests", routers=[broken])
    return TestClient(app, raise_server_exceptions=False)


def test_a_request_whose_route_fails_records_the_server_error_on_its_span(broken_client, spans):
    assert broken_client.get("/broken").status_code == 500
    span = server_span(spans)
    assert span.name == "GET /broken" and span.attributes["http.response.status_code"] == 500
    assert not span.status.is_ok and span.attributes["error.type"] == "RuntimeError"
    # The error's type and its masked message (shared.redaction), no exception event with the raw text and traceback.
    assert "12345678" not in span.status.description and "20-00-00" not in span.status.description
    assert span.events == ()


def test_without_an_exporter_no_span_is_built_and_the_traceparent_travels_as_it_came(client):
    assert not tracing.tracer_of("requests").exporting
    answer = client.post("/things/T-1", headers={"traceparent": INCOMING})
    assert answer.json()["envelope"]["traceparent"] == answer.headers["traceparent"] == INCOMING
    assert answer.json()["logged_trace_id"] == TRACE


def test_without_an_exporter_a_request_without_a_traceparent_gets_one_generated(client):
    first, second = (client.post("/things/T-1") for _ in range(2))
    for answer in (first, second):
        made = answer.json()["envelope"]["traceparent"]
        assert VALID.match(made) and made == answer.headers["traceparent"] and made.endswith("-01")
    assert first.headers["traceparent"][3:35] != second.headers["traceparent"][3:35]


def test_request_time_is_observed_by_route_template_and_unmatched_paths_by_one_label(client):
    def count(route: str) -> float:
        return REGISTRY.get_sample_value("carepay_http_request_duration_seconds_count",
                                         {"service": "requests", "method": "POST", "route": route}) or 0.0

    before, unmatched = count("/things/{thing_id}"), count("unmatched")
    client.post("/things/T-9")
    client.post("/nowhere/T-9")
    assert (count("/things/{thing_id}"), count("unmatched")) == (before + 1, unmatched + 1)
    assert REGISTRY.get_sample_value("carepay_http_request_duration_seconds_count",
                                     {"service": "requests", "method": "POST", "route": "/nowhere/T-9"}) is None


def test_continued_keeps_a_trace_it_is_not_in_and_takes_the_current_span_in_its_own():
    assert tracing.continued(INCOMING) == INCOMING  # no span: as it came
    assert tracing.continued(None) is None
    spans = InMemorySpanExporter()
    with tracing.exported_to("requests", spans), tracing.batch_span("requests", "t", "c", 1) as span:
        ours = tracing.traceparent_of(span.get_span_context())
        assert tracing.continued(INCOMING) == INCOMING  # another trace
        assert tracing.continued(None) == ours
        assert tracing.continued(f"00-{ours[3:35]}-{PARENT}-01") == ours


@pytest.mark.parametrize("text", ["", "00-zz-00f067aa0ba902b7-01", f"ff-{TRACE}-{PARENT}-01",
                                  f"00-{'0' * 32}-{PARENT}-01", f"00-{TRACE}-{'0' * 16}-01", f"00-{TRACE.upper()}-{PARENT}-01"])
def test_a_traceparent_that_is_not_a_valid_one_names_no_context(text):
    assert tracing.span_context_of(text) is None


def test_log_lines_take_the_trace_id_of_a_traceparent_of_the_right_shape():
    assert tracing.trace_id_of(INCOMING) == TRACE
    assert tracing.trace_id_of(None) is tracing.trace_id_of("") is tracing.trace_id_of(f"00-{TRACE}-zz-01") is None


def test_otlp_export_is_asked_for_by_the_standard_variables():
    assert tracing.otlp_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing.otlp_configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"})
    assert not tracing.otlp_configured({})
    assert not tracing.otlp_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"})
    assert not tracing.otlp_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"})


def test_with_an_otlp_endpoint_spans_are_exported_over_otlp_http(monkeypatch):
    """A collector of our own on a free port: what the service's provider sends there, at flush."""
    import http.server
    import threading

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    received: list[tuple[str, bytes]] = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args):
            pass

    monkeypatch.setattr(tracing, "_TRACERS", {})  # this process's services' tracing, as it was afterwards
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        st = tracing.setup_tracing("otlp-probe", "7")
        assert st.exporting
        with tracing.batch_span("otlp-probe", "requests.events", "probe.requests", 3):
            pass
        tracing.flush("otlp-probe")
    finally:
        server.shutdown()
        if tracing.tracer_of("otlp-probe").provider is not None:
            tracing.tracer_of("otlp-probe").provider.shutdown()  # its batch processor's thread
    [(path, body)] = received
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert path == "/v1/traces" and resource["service.name"] == "carepay-otlp-probe"
    assert resource["service.instance.id"].startswith("7@")
    assert [s.name for scope in resource_spans.scope_spans for s in scope.spans] == ["process requests.events"]
