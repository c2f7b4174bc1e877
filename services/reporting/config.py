"""The reporting service's own settings, from environment variables (documented in the README).

CAREPAY_<SERVICE>_URL    where pipeline health reads a service's /ready and /metrics (default: the
                         local stack's address of that service)
CAREPAY_LOCAL_SIGN_IN    exactly "1" signs a browser on this machine with no token in to the dashboard
                         as `ops`: loopback peer, loopback Host, no proxy headers (api/dashboard_auth.py;
                         local stack only: `make run` sets it; any other value or unset is off)
"""
from __future__ import annotations

from pydantic import create_model

from shared.settings import SERVICE_PORTS
from shared.settings_sources import CarepaySettings, setting
from shared.stack import Instance

LOCAL_SIGN_IN_ENV = "CAREPAY_LOCAL_SIGN_IN"

ReportingSettings = create_model(
    "ReportingSettings", __base__=CarepaySettings,
    local_sign_in=(str | None, setting(LOCAL_SIGN_IN_ENV, None)),
    **{f"{s}_url": (str | None, setting(f"CAREPAY_{s.upper()}_URL", None)) for s in SERVICE_PORTS})


def service_url(service: str) -> str:
    """CAREPAY_<SERVICE>_URL when set (a deployment), else the local stack's address."""
    return getattr(ReportingSettings.current(), f"{service}_url") or Instance(service).url


def local_sign_in_enabled() -> bool:
    return ReportingSettings.current().local_sign_in == "1"
