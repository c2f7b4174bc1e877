"""Key figures of a service's Prometheus text, for pipeline health: consumer lag per group, outbox
backlog and age, and dead letters."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def summarise(metrics_text: str) -> dict[str, Any]:
    """Consumer lag per consumer group, outbox backlog and age, and DLQ messages, from Prometheus text."""
    lag: dict[str, float] = defaultdict(float)
    backlog = age = dlq = None
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "carepay_consumer_lag":
                lag[sample.labels.get("consumer", "")] += sample.value
            elif sample.name == "carepay_outbox_backlog":
                backlog = (backlog or 0) + int(sample.value)
            elif sample.name == "carepay_outbox_oldest_age_seconds":
                age = max(age or 0.0, sample.value)
            elif sample.name == "carepay_dlq_messages_total":
                dlq = (dlq or 0) + int(sample.value)
    return {"consumer_lag": [{"consumer": c, "lag": int(v)} for c, v in sorted(lag.items())],
            "outbox_backlog": backlog, "outbox_oldest_age_seconds": age, "dlq_messages": dlq if dlq is not None else 0}
