"""Business metrics of the reporting service, on the shared registry."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from shared.metrics import REGISTRY

EVENTS_APPLIED = Counter("carepay_reporting_events_applied", "Events applied to the read models, by event type.",
                         ["event_type"], registry=REGISTRY)
READ_MODEL_LAG = Histogram("carepay_reporting_read_model_lag_seconds",
                           "Seconds from an event's occurred_at to its being applied to the read models.",
                           ["topic"], registry=REGISTRY,
                           buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
LAST_LAG = Gauge("carepay_reporting_read_model_lag_last_seconds",
                 "Lag of the newest event in the last batch applied from each topic.", ["topic"], registry=REGISTRY)
FACTS_MOVED = Counter("carepay_reporting_facts_moved",
                      "Facts counted before their agreement's service type was known, moved once it was.",
                      registry=REGISTRY)
