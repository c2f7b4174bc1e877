"""The settings every service shares, with the defaults of the local stack (pydantic-settings).

Each setting is one environment variable (or its file: shared/settings_sources.py), documented in
the README's "Configuration" table with its local default and its production rule. CAREPAY_ENV is
`local` (the default: `make run`, `make test`) or `production`, where a service refuses to start on
what shared/production.py finds wrong.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from pydantic import Field, ValidationInfo, create_model, field_validator

from shared.settings_sources import CarepaySettings, raw, setting

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
DEV_DATABASE_PASSWORD = "carepay"
DEFAULT_KAFKA = "127.0.0.1:9092"
DEFAULT_COUNCIL_ID = "demo-council"
DEFAULT_HOST = "127.0.0.1"
# Only good for the local stack; production sets CAREPAY_AUTH_SECRET.
DEV_AUTH_SECRET = "carepay-local-development-secret-not-for-production"
DEFAULT_AUTH_ISSUER = "carepay-local"
DEFAULT_AUTH_AUDIENCE = "carepay"
DEFAULT_AUTH_MAX_TTL_S = 12 * 3600
Environment = Literal["local", "production"]


def with_password(url: str, password: str) -> str:
    """`url` with `password` put in its user part; ValueError when it has a password already or no user."""
    scheme, sep, rest = url.partition("://")
    netloc = urlsplit(url).netloc
    user, at, hosts = netloc.rpartition("@")
    if not sep or not at or not user:
        raise ValueError("names no user for CAREPAY_DATABASE_PASSWORD (postgresql://USER@host/db)")
    if ":" in user:
        raise ValueError("carries a password and CAREPAY_DATABASE_PASSWORD is set too: give it in one of them")
    return f"{scheme}://{user}:{quote(password, safe='')}@{hosts}{rest[len(netloc):]}"


def database_password(url: str | None) -> str | None:
    """The password a DATABASE_URL carries (None when none)."""
    try:
        return urlsplit(url).password if url else None
    except ValueError:
        return None


class TokenSettings(CarepaySettings):
    """What bearer tokens are minted and verified with (shared.auth)."""

    auth_secret: str = setting("CAREPAY_AUTH_SECRET", DEV_AUTH_SECRET, secret=True)
    auth_issuer: str = setting("CAREPAY_AUTH_ISSUER", DEFAULT_AUTH_ISSUER)
    auth_audience: str = setting("CAREPAY_AUTH_AUDIENCE", DEFAULT_AUTH_AUDIENCE)
    auth_max_ttl_s: int = setting("CAREPAY_AUTH_MAX_TTL_S", DEFAULT_AUTH_MAX_TTL_S, gt=0)


class Settings(TokenSettings):
    """Runtime settings of one service process (`service` and `port` are given by `settings_for`)."""

    service: str
    port: int
    env: Environment = setting("CAREPAY_ENV", "local")
    host: str = setting("CAREPAY_HOST", DEFAULT_HOST)
    # Before database_url: its validator puts this password into the URL.
    database_password: str | None = setting("CAREPAY_DATABASE_PASSWORD", None, secret=True)
    database_url: str = setting("DATABASE_URL", DEFAULT_DATABASE_URL, secret=True)
    # Who `carepay migrate` grants the runtime's privileges on each schema to ({service}: the service's name).
    database_runtime_role: str | None = setting("CAREPAY_DATABASE_RUNTIME_ROLE", None, pattern=r"^[a-z_][a-z0-9_{}]*$")
    migrate_on_start: bool | None = setting("CAREPAY_MIGRATE_ON_START", None)
    kafka_bootstrap_servers: str = setting("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA)
    council_id: str = setting("CAREPAY_COUNCIL_ID", DEFAULT_COUNCIL_ID)
    log_level: str = setting("CAREPAY_LOG_LEVEL", "INFO")
    db_pool_max: int = setting("CAREPAY_DB_POOL_MAX", 10, ge=1)
    # Consumer tuning: records per batch (one transaction each) and attempts before the DLQ.
    consumer_max_records: int = setting("CAREPAY_CONSUMER_MAX_RECORDS", 2000, ge=1)
    consumer_max_attempts: int = setting("CAREPAY_CONSUMER_MAX_ATTEMPTS", 5, ge=1)
    outbox_batch_size: int = setting("CAREPAY_OUTBOX_BATCH", 2000, ge=1)
    # What a request may bring (shared.limits): its body, unless its route declares a larger cap, and its headers.
    max_body_bytes: int = setting("CAREPAY_MAX_BODY_BYTES", 1 << 20, ge=1)
    max_header_bytes: int = setting("CAREPAY_MAX_HEADER_BYTES", 16 << 10, ge=1)
    # Every database session is bounded (shared.db.create_pool); what times out is retried, not dead-lettered.
    db_statement_timeout_ms: int = setting("CAREPAY_DB_STATEMENT_TIMEOUT_MS", 120_000, ge=0)
    db_lock_timeout_ms: int = setting("CAREPAY_DB_LOCK_TIMEOUT_MS", 30_000, ge=0)
    db_idle_in_transaction_timeout_ms: int = setting("CAREPAY_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000, ge=0)
    # A consumer whose transient failures (database away, contention) last this long makes /ready say so.
    transient_not_ready_after_s: int = setting("CAREPAY_TRANSIENT_NOT_READY_AFTER_S", 10, ge=0)
    instance_id: str = setting("CAREPAY_INSTANCE", "1")
    # When set, /metrics answers only a scrape with `Authorization: Bearer <this>` (401 otherwise); unset, it is open.
    metrics_token: str | None = setting("CAREPAY_METRICS_TOKEN", None, secret=True)

    @field_validator("database_url")
    @classmethod
    def _password_into_url(cls, url: str, info: ValidationInfo) -> str:
        password = info.data.get("database_password")
        return with_password(url, password) if password else url

    @property
    def schema(self) -> str:
        """The Postgres schema this service owns (one per service)."""
        return self.service

    @property
    def migrates_on_start(self) -> bool:
        """CAREPAY_MIGRATE_ON_START, else true in local and false in production (`carepay migrate` does it)."""
        return self.env == "local" if self.migrate_on_start is None else self.migrate_on_start

    @property
    def runtime_role(self) -> str | None:
        """The role the service runs as, when CAREPAY_DATABASE_RUNTIME_ROLE names one."""
        return self.database_runtime_role.replace("{service}", self.service) if self.database_runtime_role else None


# Where the local stack's services listen: CAREPAY_HOST and each CAREPAY_<SERVICE>_PORT, read afresh each time.
Addresses = create_model(
    "Addresses", __base__=CarepaySettings,
    host=(str, setting("CAREPAY_HOST", DEFAULT_HOST)),
    **{f"{s}_port": (int, Field(default=p, validation_alias=f"CAREPAY_{s.upper()}_PORT", ge=1, le=65535))
       for s, p in SERVICE_PORTS.items()})


def service_port(service: str) -> int:
    """CAREPAY_<SERVICE>_PORT, else the service's fixed port."""
    return getattr(Addresses.current(), f"{service}_port")


def bind_host() -> str:
    """CAREPAY_HOST: the address services listen on (127.0.0.1; 0.0.0.0 in containers)."""
    return Addresses.current().host


def environment() -> str:
    """CAREPAY_ENV as given ("local" when unset; any other text is refused when settings are read)."""
    return raw("CAREPAY_ENV") or "local"


def auth_secret_from_env() -> str:
    """CAREPAY_AUTH_SECRET (or its file); unset or empty means the development secret."""
    return TokenSettings.current().auth_secret


def auth_issuer_from_env() -> str:
    """CAREPAY_AUTH_ISSUER: the `iss` tokens are minted with and must carry."""
    return TokenSettings.current().auth_issuer


def auth_audience_from_env() -> str:
    """CAREPAY_AUTH_AUDIENCE: the `aud` tokens are minted with and must carry."""
    return TokenSettings.current().auth_audience


def auth_max_ttl_s_from_env() -> int:
    """CAREPAY_AUTH_MAX_TTL_S: the longest lifetime (exp - iat) a token may have, in seconds."""
    return TokenSettings.current().auth_max_ttl_s


@lru_cache(maxsize=None)
def settings_for(service: str) -> Settings:
    """Settings for `service`, with its port overridable by CAREPAY_<SERVICE>_PORT."""
    return Settings.read(service=service, port=service_port(service))
