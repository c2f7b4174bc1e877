"""Pipeline health for the dashboard: each service's /ready and key figures of its /metrics, over HTTP.

Reporting reads other services only through their public endpoints, never their tables. A service
that does not answer is reported not ready with the reason, and the others are still reported.
"""
from __future__ import annotations

import asyncio
from typing import Any

import httpx

from shared.clock import utcnow
from shared.settings import SERVICE_PORTS
from services.reporting.config import service_url
from services.reporting.domain.pipeline_health import summarise

TIMEOUT_S = 2.0


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
