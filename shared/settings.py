"""Settings from environment variables, with the defaults of the local stack.

Every variable is documented in the README's "Configuration" table.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Fixed default ports, one per service (the README lists them).
SERVICE_PORTS: dict[str, int] = {
    "requests": 8001,
    "agreements": 8002,
    "delivery": 8003,
    "invoicing": 8004,
    "payments": 8005,
    "queries": 8006,
    "reporting": 8007,
}

DEFAULT_DATABASE_URL = "postgresql://carepay:carepay@127.0.0.1:5432/carepay"
DEFAULT_KAFKA = "127.0.0.1:9092"
# Only good for the local stack; production sets CAREPAY_AUTH_SECRET.
DEV_AUTH_SECRET = "carepay-local-development-secret-not-for-production"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"environment variable {name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Runtime settings of one service process."""

    service: str
    port: int
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    kafka_bootstrap_servers: str = field(
        default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or DEFAULT_KAFKA
    )
    council_id: str = field(default_factory=lambda: os.environ.get("CAREPAY_COUNCIL_ID", "demo-council"))
    auth_secret: str = field(default_factory=lambda: os.environ.get("CAREPAY_AUTH_SECRET") or DEV_AUTH_SECRET)
    log_level: str = field(default_factory=lambda: os.environ.get("CAREPAY_LOG_LEVEL", "INFO"))
    db_pool_max: int = field(default_factory=lambda: _int("CAREPAY_DB_POOL_MAX", 10))
    # Consumer tuning: records per batch (one transaction each) and attempts before the DLQ.
    consumer_max_records: int = field(default_factory=lambda: _int("CAREPAY_CONSUMER_MAX_RECORDS", 2000))
    consumer_max_attempts: int = field(default_factory=lambda: _int("CAREPAY_CONSUMER_MAX_ATTEMPTS", 5))
    outbox_batch_size: int = field(default_factory=lambda: _int("CAREPAY_OUTBOX_BATCH", 2000))
    instance_id: str = field(default_factory=lambda: os.environ.get("CAREPAY_INSTANCE", "1"))

    @property
    def schema(self) -> str:
        """The Postgres schema this service owns (one per service)."""
        return self.service


@lru_cache(maxsize=None)
def settings_for(service: str) -> Settings:
    """Settings for `service`, with its port overridable by CAREPAY_<SERVICE>_PORT."""
    port = _int(f"CAREPAY_{service.upper()}_PORT", SERVICE_PORTS[service])
    return Settings(service=service, port=port)
