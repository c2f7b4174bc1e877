"""Pipeline health for the dashboard: each service's /ready and key figures of its /metrics, over HTTP.

Reporting reads other services only through their public endpoints, never their tables. A service
that does not answer is reported not ready with the reason, and the others are still reported.
"""
from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.clock import utcnow
from shared.settings import SERVICE_PORTS
from shared.stack import Instance

TIMEOUT_S = 2.0


def service_url(service: str) -> str:
    """CAREPAY_<SERVICE>_URL when set (a deployment), else the local stack's address."""
    return os.environ.get(f"CAREPAY_{service.upper()}_URL") or Instance(service).url


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


async def _service(client: httpx.AsyncClient, service: str) -> dict[str, Any]:
    url = service_url(service)
    out: dict[str, Any] = {"service": service, "url": url, "ready": False, "reason": "",
                           **summarise("")}
    try:
        ready = await client.get(f"{url}/ready")
        out["ready"] = ready.status_code == 200
        out["reason"] = ready.json().get("reason", str(ready.status_code))
        metrics = await client.get(f"{url}/metrics")
        if metrics.status_code == 200:
            out.update(summarise(metrics.text))
    except (httpx.HTTPError, ValueError) as exc:
        out["reason"] = f"not answering: {exc.__class__.__name__}"
    return out


async def pipeline() -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
        services = await asyncio.gather(*(_service(client, s) for s in SERVICE_PORTS))
    return {"checked_at": utcnow(), "all_ready": all(s["ready"] for s in services), "services": services}
