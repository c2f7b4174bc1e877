"""The reporting service's own settings, from environment variables (documented in the README).

CAREPAY_<SERVICE>_URL    where pipeline health reads a service's /ready and /metrics (default: the
                         local stack's address of that service)
CAREPAY_LOCAL_SIGN_IN    exactly "1" signs a browser on this machine with no token in to the dashboard
                         as `ops`: loopback peer, loopback Host, no proxy headers (api/dashboard_auth.py;
                         local stack only: `make run` sets it; any other value or unset is off)
"""
from __future__ import annotations

import os

from shared.stack import Instance

LOCAL_SIGN_IN_ENV = "CAREPAY_LOCAL_SIGN_IN"


def service_url(service: str) -> str:
    """CAREPAY_<SERVICE>_URL when set (a deployment), else the local stack's address."""
    return os.environ.get(f"CAREPAY_{service.upper()}_URL") or Instance(service).url


def local_sign_in_enabled() -> bool:
    return os.environ.get(LOCAL_SIGN_IN_ENV) == "1"
