"""Prometheus metrics of the shared runtime, one registry per process.

Services add their own business metrics to `REGISTRY` with the same `carepay_` prefix. Names follow
Prometheus's conventions (tests/unit/foundation/test_metric_names.py holds every registered metric to them):
base units (seconds, bytes; money in pence, the system's unit) as the last word, ratios 0-1; counters are
declared without `_total`, which prometheus_client adds on exposition (`carepay_http_requests_total`).
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported for the /metrics route)
from prometheus_client import PROCESS_COLLECTOR, PLATFORM_COLLECTOR

REGISTRY = CollectorRegistry(auto_describe=True)
REGISTRY.register(PROCESS_COLLECTOR)
REGISTRY.register(PLATFORM_COLLECTOR)

SERVICE_UP = Gauge("carepay_service_ready", "1 when the service is ready (database, Kafka, migrations).",
                   ["service"], registry=REGISTRY)
OUTBOX_BACKLOG = Gauge("carepay_outbox_backlog", "Events committed but not yet published.",
                       ["service"], registry=REGISTRY)
OUTBOX_OLDEST_AGE = Gauge("carepay_outbox_oldest_age_seconds", "Age of the oldest unpublished event.",
                          ["service"], registry=REGISTRY)
OUTBOX_PUBLISHED = Counter("carepay_outbox_published", "Events published by the outbox relay.",
                           ["service", "topic"], registry=REGISTRY)
OUTBOX_SET_ASIDE = Counter("carepay_outbox_set_aside",
                           "Outbox rows Kafka refuses (too large, corrupt, invalid), set aside unsent.",
                           ["service", "topic"], registry=REGISTRY)
INBOX_DUPLICATES = Counter("carepay_inbox_duplicates_skipped", "Redelivered messages skipped by the inbox.",
                           ["service", "consumer"], registry=REGISTRY)
CONSUMED = Counter("carepay_messages_processed", "Messages processed and committed by a consumer.",
                   ["service", "consumer"], registry=REGISTRY)
DLQ_MESSAGES = Counter("carepay_dlq_messages", "Messages sent to the service's dead-letter topic.",
                       ["service", "consumer", "reason"], registry=REGISTRY)
EVENT_UNKNOWN_FIELDS = Counter("carepay_event_unknown_fields",
                               "Fields of consumed events that the consumer's contract does not know, ignored "
                               "(tolerant reading): one per field and event.",
                               ["service", "event_type"], registry=REGISTRY)
HANDLER_LATENCY = Histogram("carepay_handler_latency_seconds", "Time to process one batch of messages.",
                            ["service", "consumer"], registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
HANDLER_RETRIES = Counter("carepay_handler_retries", "Batches retried after a transient error.",
                          ["service", "consumer"], registry=REGISTRY)
CONSUMER_LAG = Gauge("carepay_consumer_lag", "Records on the topic not yet committed by the consumer group.",
                     ["service", "consumer", "topic", "partition"], registry=REGISTRY)
CONSUMER_ASSIGNED = Gauge("carepay_consumer_assigned_partitions",
                          "Partitions of the topic Kafka assigned to this instance's consumer.",
                          ["service", "consumer", "topic"], registry=REGISTRY)
HTTP_REQUESTS = Counter("carepay_http_requests", "HTTP requests served, by route and status.",
                        ["service", "method", "route", "status"], registry=REGISTRY)
HTTP_REQUEST_DURATION = Histogram(
    "carepay_http_request_duration_seconds",
    "Time from a request reaching the service's routes to its response, by route template ('unmatched': no route).",
    ["service", "method", "route"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


def render() -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(REGISTRY)
