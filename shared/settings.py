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
DEFAULT_AUTH_ISSUER = "carepay-local"
DEFAULT_AUTH_AUDIENCE = "carepay"
DEFAULT_AUTH_MAX_TTL_S = 12 * 3600


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"environment variable {name} must be an integer, got {raw!r}") from exc


def auth_secret_from_env() -> str:
    """CAREPAY_AUTH_SECRET; unset or empty means the development secret."""
    return os.environ.get("CAREPAY_AUTH_SECRET") or DEV_AUTH_SECRET


def auth_issuer_from_env() -> str:
    """CAREPAY_AUTH_ISSUER: the `iss` tokens are minted with and must carry."""
    return os.environ.get("CAREPAY_AUTH_ISSUER") or DEFAULT_AUTH_ISSUER


def auth_audience_from_env() -> str:
    """CAREPAY_AUTH_AUDIENCE: the `aud` tokens are minted with and must carry."""
    return os.environ.get("CAREPAY_AUTH_AUDIENCE") or DEFAULT_AUTH_AUDIENCE


def auth_max_ttl_s_from_env() -> int:
    """CAREPAY_AUTH_MAX_TTL_S: the longest lifetime (exp - iat) a token may have, in seconds."""
    ttl = _int("CAREPAY_AUTH_MAX_TTL_S", DEFAULT_AUTH_MAX_TTL_S)
    if ttl <= 0:
        raise SystemExit(f"environment variable CAREPAY_AUTH_MAX_TTL_S must be a positive number of seconds, got {ttl}")
    return ttl


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
    auth_secret: str = field(default_factory=auth_secret_from_env)
    auth_issuer: str = field(default_factory=auth_issuer_from_env)
    auth_audience: str = field(default_factory=auth_audience_from_env)
    auth_max_ttl_s: int = field(default_factory=auth_max_ttl_s_from_env)
    log_level: str = field(default_factory=lambda: os.environ.get("CAREPAY_LOG_LEVEL", "INFO"))
    db_pool_max: int = field(default_factory=lambda: _int("CAREPAY_DB_POOL_MAX", 10))
    # Consumer tuning: records per batch (one transaction each) and attempts before the DLQ.
    consumer_max_records: int = field(default_factory=lambda: _int("CAREPAY_CONSUMER_MAX_RECORDS", 2000))
    consumer_max_attempts: int = field(default_factory=lambda: _int("CAREPAY_CONSUMER_MAX_ATTEMPTS", 5))
    outbox_batch_size: int = field(default_factory=lambda: _int("CAREPAY_OUTBOX_BATCH", 2000))
    # What a request may bring (shared.limits): its body, unless its route declares a larger cap, and its headers.
    max_body_bytes: int = field(default_factory=lambda: _int("CAREPAY_MAX_BODY_BYTES", 1 << 20))
    max_header_bytes: int = field(default_factory=lambda: _int("CAREPAY_MAX_HEADER_BYTES", 16 << 10))
    # Every database session is bounded (shared.db.create_pool); what times out is retried, not dead-lettered.
    db_statement_timeout_ms: int = field(default_factory=lambda: _int("CAREPAY_DB_STATEMENT_TIMEOUT_MS", 120_000))
    db_lock_timeout_ms: int = field(default_factory=lambda: _int("CAREPAY_DB_LOCK_TIMEOUT_MS", 30_000))
    db_idle_in_transaction_timeout_ms: int = field(
        default_factory=lambda: _int("CAREPAY_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000))
    # A consumer whose transient failures (database away, contention) last this long makes /ready say so.
    transient_not_ready_after_s: int = field(default_factory=lambda: _int("CAREPAY_TRANSIENT_NOT_READY_AFTER_S", 10))
    instance_id: str = field(default_factory=lambda: os.environ.get("CAREPAY_INSTANCE", "1"))
    # When set, /metrics answers only a scrape with `Authorization: Bearer <this>` (401 otherwise); unset, it is open.
    metrics_token: str | None = field(default_factory=lambda: os.environ.get("CAREPAY_METRICS_TOKEN") or None,
                                      repr=False)

    @property
    def schema(self) -> str:
        """The Postgres schema this service owns (one per service)."""
        return self.service


@lru_cache(maxsize=None)
def settings_for(service: str) -> Settings:
    """Settings for `service`, with its port overridable by CAREPAY_<SERVICE>_PORT."""
    port = _int(f"CAREPAY_{service.upper()}_PORT", SERVICE_PORTS[service])
    return Settings(service=service, port=port)
