"""The database-only test tier: one service's consumers and SQL against Postgres alone.

As FastStream's `TestKafkaBroker` runs subscribers without a broker, `DatabaseOnly` runs records
through a consumer's own decoding, inbox claim, transaction and typed handlers, against a private
copy of the service's schema (migrated from its own `migrations/`, dropped afterwards): no Kafka,
no other service. What the handlers record in the outbox is read back with `published`; what the
consumer dead-letters is kept in `dead` instead of going to `<service>.dlq`.

    async with DatabaseOnly("payments") as db:
        await db.send(INVOICES, InvoiceApproved(...))
        assert [e.event_type for e in await db.published()] == [...]

The service's HTTP API runs against the same schema through `http(app)`: its routes, models, auth
and error handling, in process (no server, no Kafka; the app's lifespan is not run):

    async with DatabaseOnly("payments") as db, db.http(payments_app) as client:
        response = await client.post("/payment-runs", json=..., headers=db.auth("finance_officer"))
"""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg
import httpx

from contracts.envelope import Actor, Envelope, Event, RawEnvelope
from shared.auth import mint_token
from shared.consumer import BaseConsumer
from shared.dead_letters import DeadLetter
from shared.db import create_pool
from shared.events import Cause, envelope_for
from shared.migrations import migrate
from shared.outbox import Outbox, envelope_headers
from shared.settings import REPO_ROOT, Settings, settings_for

SYSTEM = Actor(id="test", role="system")


@dataclasses.dataclass(frozen=True)
class Record:
    """A Kafka record as a consumer is handed it (the fields of aiokafka's ConsumerRecord it reads)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


class DatabaseOnly:
    """A service's runtime for tests: a pool on a fresh schema, its outbox, and a dead-letter list.

    It is the `Runtime` a consumer needs (`shared.consumer.Runtime`). Consumers are bound to it by
    copy (`bind`), so the service's own consumer tables are never changed by a test.
    """

    def __init__(self, service: str, *, database_url: str | None = None, max_attempts: int = 2,
                 statement_timeout_ms: int | None = None, lock_timeout_ms: int | None = None,
                 runtime: tuple[str, str] | None = None) -> None:
        """`runtime`: (role, its URL) to run as, granted by the migration as `carepay migrate` grants it;
        the schema is migrated and dropped as `database_url`'s role."""
        base = settings_for(service)
        self.service = service
        self.settings: Settings = base.model_copy(update={"consumer_max_attempts": max_attempts})
        self.database_url = database_url or base.database_url
        self.runtime_role, self.runtime_url = runtime or (None, self.database_url)
        self.schema = f"{service}_test_{uuid.uuid4().hex[:10]}"
        self.service_dir: Path = REPO_ROOT / "services" / service
        self.outbox = Outbox(service, base.council_id)
        self.pool: asyncpg.Pool | None = None
        self.dead: list[DeadLetter] = []
        self.transient: list[tuple[str, str, str]] = []
        self._offsets: dict[tuple[str, int], int] = {}
        self._timeouts = {"statement_timeout_ms": statement_timeout_ms or self.settings.db_statement_timeout_ms,
                          "lock_timeout_ms": lock_timeout_ms or self.settings.db_lock_timeout_ms}

    # --- the Runtime a consumer needs -----------------------------------------------------------
    async def wait_for_database(self) -> None:
        return None

    def transient_failure(self, consumer: str, kind: str, exc: BaseException) -> None:
        """Kept for the test to read: (consumer, kind, error type), one entry per retry."""
        self.transient.append((consumer, kind, type(exc).__name__))

    def recovered(self, consumer: str) -> None:
        return None

    async def dead_letter(self, consumer: str, letters: list[DeadLetter]) -> None:
        self.dead.extend(letters)

    # --- lifecycle ------------------------------------------------------------------------------
    async def __aenter__(self) -> "DatabaseOnly":
        conn = await asyncpg.connect(self.database_url)
        try:
            await migrate(conn, self.schema, self.service_dir, runtime_role=self.runtime_role)
        finally:
            await conn.close()
        self.pool = await create_pool(self.runtime_url, self.schema, service=f"{self.service}-test", max_size=4,
                                      **self._timeouts)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self.pool is not None:
            await self.pool.close()
        conn = await asyncpg.connect(self.database_url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        finally:
            await conn.close()

    # --- driving consumers ------------------------------------------------------------------------
    def bind(self, consumer: BaseConsumer) -> BaseConsumer:
        """A copy of `consumer` that runs against this database."""
        return dataclasses.replace(consumer, runtime=self)

    def envelope(self, event: Event, *, actor: Actor = SYSTEM, correlation_id: str | None = None,
                 producer: str | None = None, traceparent: str | None = None) -> Envelope:
        """`event` in a new envelope, as its producing service would record it (in the trace `traceparent`)."""
        cause = Cause(correlation_id or str(uuid.uuid4()), None, actor, traceparent)
        return envelope_for(event, producer=producer or "test", council_id=self.outbox.council_id, cause=cause)

    def record(self, topic: str, envelope: Envelope, *, partition: int = 0) -> Record:
        """The Kafka record an outbox relay would send for `envelope` (next offset of its partition)."""
        headers = tuple((k, v.encode()) for k, v in envelope_headers(envelope).items())
        return self.raw(topic, envelope.model_dump_json().encode(), key=envelope.aggregate_id.encode(),
                        headers=headers, partition=partition)

    def raw(self, topic: str, value: bytes | None, *, key: bytes | None = None,
            headers: Sequence[tuple[str, bytes]] = (), partition: int = 0) -> Record:
        """A record of any shape (a raw feed's, or a hostile one), at the next offset of its partition."""
        offset = self._offsets.get((topic, partition), -1) + 1
        self._offsets[(topic, partition)] = offset
        return Record(topic, partition, offset, key, value, tuple(headers))

    async def send(self, consumer: BaseConsumer, *events: Event | Envelope, actor: Actor = SYSTEM,
                   correlation_id: str | None = None, traceparent: str | None = None) -> list[Envelope]:
        """Run `events` (or ready envelopes) through `consumer` as one batch; return their envelopes."""
        envelopes = [e if isinstance(e, Envelope) else self.envelope(e, actor=actor, correlation_id=correlation_id,
                                                                     traceparent=traceparent)
                     for e in events]
        await self.process(consumer, [self.record(consumer.topic, env) for env in envelopes])
        return envelopes

    async def process(self, consumer: BaseConsumer, records: Sequence[Any]) -> None:
        """Run records through `consumer` as one batch, as the service's Kafka subscriber would."""
        await self.bind(consumer).process(list(records))

    # --- driving the HTTP API -----------------------------------------------------------------------
    @asynccontextmanager
    async def http(self, app: Any) -> AsyncIterator[httpx.AsyncClient]:
        """A client of `app` (the service's ASGI app) whose routes use this database and outbox.

        The app's runtime is swapped for this one while the client is open (one test at a time)."""
        saved = getattr(app.state, "runtime", None)  # another test may have patched it away
        app.state.runtime = self
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url=f"http://{self.service}.test") as client:
                yield client
        finally:
            app.state.runtime = saved

    def auth(self, role: str, *, provider: str | None = None, person: str | None = None, pa: str | None = None,
             subject: str | None = None) -> dict[str, str]:
        """An Authorization header for `role`, signed with this service's secret."""
        token = mint_token(self.settings.auth_secret, subject=subject or f"test-{role}-{uuid.uuid4().hex[:6]}",
                           role=role, provider_id=provider, person_ref=person, pa_id=pa)
        return {"Authorization": f"Bearer {token}"}

    # --- reading back -------------------------------------------------------------------------------
    async def published(self, *event_types: str) -> list[RawEnvelope]:
        """The events recorded in the outbox (oldest first), optionally only of `event_types`."""
        assert self.pool is not None
        rows = await self.pool.fetch("SELECT event_type, value FROM outbox ORDER BY id")
        return [RawEnvelope.model_validate_json(r["value"]) for r in rows
                if not event_types or r["event_type"] in event_types]

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Rows of a query against the test schema."""
        assert self.pool is not None
        return await self.pool.fetch(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        assert self.pool is not None
        return await self.pool.fetchval(sql, *args)
