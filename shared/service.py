"""One shape for every service process: FastAPI + the FastStream Kafka broker + Postgres.

`create_service(...)` returns the ASGI app; in production it first refuses (exits non-zero) settings
that are missing or unsafe (shared/production.py). At start-up it does not fail when Kafka or Postgres
is down: a background task connects with backoff (database, migrations, then Kafka), logs why it
is waiting, and `/ready` says not-ready with the reason until everything is in place. Consumers
start only after the migrations are applied: by the service itself when CAREPAY_MIGRATE_ON_START
(local), else by `carepay migrate`, which the service waits for.
"""
# No `from __future__ import annotations`: FastStream reads the handler annotations at runtime.

import asyncio
import hmac
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.specification import AsyncAPI
from pydantic import BaseModel, WithJsonSchema

from contracts.envelope import Event
from contracts.topics import dlq_topic
from shared import metrics, tracing
from shared.consumer import BaseConsumer
from shared.dead_letters import DeadLetter, dlq_headers
from shared.consumer_gauges import ConsumerGauges
from shared.db import create_pool
from shared.http import install_error_handlers
from shared.idempotency import IdempotencyKeys, purge_expired
from shared.kafka_io import idempotent_producer, no_decode, tolerant_parser
from shared.kafka_security import KafkaSettings, broker_options, kafka_settings
from shared.limits import RequestLimits
from shared.logging import configure_logging, get_logger, message_context
from shared.migrations import migrate, pending
from shared.oidc import oidc_settings
from shared.openapi import install_openapi, operation_id
from shared.outbox import REFUSED, Outbox, OutboxRelay
from shared.production import refuse_unsafe_start
from shared.redaction import describe, kind_of
from shared.reference import install_reference
from shared.schemas import consumer_payload_schema, envelope_union
from shared.settings import Settings, settings_for

log = get_logger(__name__)
GATHER_BYTES = 1024 * 1024  # what a consumer with `gather_ms` waits to gather (BaseConsumer.gather_ms)


class MigrationsPending(Exception):
    """The schema lacks migrations the service does not apply itself (CAREPAY_MIGRATE_ON_START false)."""

    def __init__(self, versions: list[str]) -> None:
        super().__init__(", ".join(versions))
        self.versions = versions


class ServiceRuntime:
    """The connections and background work of one service process."""

    def __init__(self, settings: Settings, service_dir: Path, consumers: Sequence[BaseConsumer],
                 publishes: Mapping[str, Sequence[type[Event]]],
                 background: Sequence[Callable[["ServiceRuntime"], Awaitable[None]]] = (),
                 kafka: KafkaSettings | None = None) -> None:
        self.settings = settings
        self.kafka = kafka or kafka_settings()  # how every client of this process reaches Kafka
        self.service = settings.service
        self.service_dir = service_dir
        tracing.setup_tracing(settings.service, settings.instance_id)  # spans exported when OTEL_EXPORTER_OTLP_ENDPOINT
        self.pool: asyncpg.Pool | None = None
        self.outbox = Outbox(settings.service, settings.council_id)
        self.producer = None  # aiokafka objects need the running loop: created in _connect()
        self.broker = KafkaBroker(
            **broker_options(self.kafka),
            # The instance in the client id: a consumer group's description says which instance holds what.
            client_id=f"carepay-{settings.service}-{settings.instance_id}",
            # FastStream's own per-message lines go through our JSON logging, at WARNING and up.
            logger=logging.getLogger("faststream.carepay"),
            middlewares=[KafkaPrometheusMiddleware(registry=metrics.REGISTRY, app_name=settings.service)],
        )
        self.consumers = list(consumers)
        self.background = list(background)
        self._subscribers: list[tuple[BaseConsumer, Any]] = []
        for consumer in self.consumers:
            self._subscribe(consumer)
        # Publishers are declared for the AsyncAPI document only: events leave through the outbox.
        for topic, models in publishes.items():
            self.broker.publisher(topic, schema=envelope_union(list(models)), title=f"{topic}:published",
                                  description=f"Events the {self.service} service publishes on {topic}.")
        self.migrated = False
        self.kafka_started = False
        self.waiting_for = "starting up"
        self._db_ok = asyncio.Event()
        self._transient: dict[str, tuple[float, str]] = {}  # consumer -> (failing since, why)
        self._tasks: list[asyncio.Task] = []

    # --- wiring ---------------------------------------------------------------------------------
    def _subscribe(self, consumer: BaseConsumer) -> None:
        consumer.runtime = self
        schema = consumer_payload_schema(consumer)

        async def handle(body: Annotated[list[Any], WithJsonSchema(schema)], msg: KafkaMessage) -> None:
            records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
            await consumer.process(list(records))
            await msg.ack()  # only now: every record is committed to Postgres or dead-lettered

        handle.__name__ = consumer.name.replace(".", "_").replace("-", "_")
        subscriber = self.broker.subscriber(
            consumer.topic,
            group_id=consumer.group_id,
            batch=True,
            max_records=self.settings.consumer_max_records,
            batch_timeout_ms=50,
            fetch_min_bytes=GATHER_BYTES if consumer.gather_ms else 1,
            fetch_max_wait_ms=consumer.gather_ms or 500,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            decoder=no_decode,
            parser=tolerant_parser,
            title=f"{consumer.topic}:{consumer.name}",
            description=consumer.description or None,
        )
        subscriber(handle)
        self._subscribers.append((consumer, subscriber))

    # --- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._connect(), name=f"{self.service}-connect"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.kafka_started:
            await self.broker.stop()
            await self.producer.stop()
        if self.pool is not None:
            await self.pool.close()
        tracing.flush(self.service)

    async def _connect(self) -> None:
        backoff = 0.5
        while self.pool is None or not self.migrated:
            try:
                if self.pool is None:
                    self.pool = await create_pool(
                        self.settings.database_url, self.settings.schema, service=self.service,
                        max_size=self.settings.db_pool_max,
                        statement_timeout_ms=self.settings.db_statement_timeout_ms,
                        lock_timeout_ms=self.settings.db_lock_timeout_ms,
                        idle_in_transaction_timeout_ms=self.settings.db_idle_in_transaction_timeout_ms)
                async with self.pool.acquire() as conn:
                    if self.settings.migrates_on_start:
                        applied = await migrate(conn, self.settings.schema, self.service_dir,
                                                runtime_role=self.settings.runtime_role)
                    else:  # `carepay migrate` applies them (production): wait until it has
                        applied, todo = [], await pending(conn, self.settings.schema, self.service_dir)
                        if todo:
                            raise MigrationsPending(todo)
                self.migrated = True
                self._db_ok.set()
                log.info("database ready", migrations_applied=applied)
                self._tasks.append(asyncio.create_task(self._purge_idempotency_keys(),
                                                       name=f"{self.service}-idempotency-purge"))
            except MigrationsPending as exc:
                self.waiting_for = f"migrations not applied: {', '.join(exc.versions)} (run `carepay migrate`)"
                log.warning("waiting for `carepay migrate`", pending=exc.versions, retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            except Exception as exc:  # noqa: BLE001 - anything here means "not yet"
                # Which dependency and the class of failure only: the text can carry the URL and its password.
                self.waiting_for = f"database: {kind_of(exc)}"
                log.warning("waiting for the database", error=describe(exc), retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
        backoff = 0.5
        while not self.kafka_started:
            self.producer = idempotent_producer(self.kafka, f"{self.service}-relay")
            try:
                await self.producer.start()
                await self.broker.start()
                self.kafka_started = True
            except Exception as exc:  # noqa: BLE001
                self.waiting_for = f"kafka: {kind_of(exc)}"
                log.warning("waiting for Kafka", error=describe(exc), retry_in_s=backoff)
                await _quietly(self.broker.stop())
                await _quietly(self.producer.stop())
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
        relay = OutboxRelay(self.pool, self.producer, service=self.service, schema=self.settings.schema,
                            batch_size=self.settings.outbox_batch_size, renew_producer=self._renew_producer,
                            max_record_bytes=self.kafka.max_message_bytes)
        self._tasks.append(asyncio.create_task(relay.run(), name=f"{self.service}-outbox-relay"))
        self._tasks.append(asyncio.create_task(self._observe_lag(), name=f"{self.service}-lag"))
        # A service's own periodic work starts once its tables and its outbox relay are in place.
        for work in self.background:
            self._tasks.append(asyncio.create_task(work(self), name=f"{self.service}-{work.__name__}"))
        self.waiting_for = ""
        log.info("service ready")

    async def _renew_producer(self):
        """A started producer with a new producer id in place of one the broker no longer accepts
        (the outbox relay's and the dead-letter queue's); raises while Kafka is unreachable."""
        fresh = idempotent_producer(self.kafka, f"{self.service}-relay")
        try:
            await fresh.start()
        except Exception:
            await _quietly(fresh.stop())
            raise
        old, self.producer = self.producer, fresh
        await _quietly(old.stop())
        return fresh

    # --- Idempotency-Key (issue 18) ----------------------------------------------------------------
    IDEMPOTENCY_PURGE_EVERY_S = 600.0

    async def _purge_idempotency_keys(self) -> None:
        """Every 10 minutes, delete the Idempotency-Keys past their 24 hours (shared.idempotency)."""
        while True:
            await asyncio.sleep(self.IDEMPOTENCY_PURGE_EVERY_S)
            try:
                async with self.pool.acquire() as conn:
                    purged = await purge_expired(conn)
                if purged:
                    log.info("expired idempotency keys purged", rows=purged)
            except Exception as exc:  # noqa: BLE001 - tried again next time
                log.warning("could not purge expired idempotency keys", error=describe(exc))
    # --- end Idempotency-Key ------------------------------------------------------------------------

    async def _observe_lag(self, every: float = 10.0) -> None:
        """Each consumer's partitions and lag, for dashboards, alerts and who holds what."""
        gauges = {consumer.name: ConsumerGauges(self.service, consumer.name) for consumer, _ in self._subscribers}
        while True:
            await asyncio.sleep(every)
            for consumer, subscriber in self._subscribers:
                kafka_consumer = getattr(subscriber, "consumer", None)
                if kafka_consumer is None:
                    continue
                try:
                    await gauges[consumer.name].observe(kafka_consumer)
                except Exception as exc:  # noqa: BLE001 - a metric must never stop the service
                    log.debug("could not observe consumer lag", error=describe(exc))

    # --- health -----------------------------------------------------------------------------------
    async def readiness(self) -> tuple[bool, str]:
        """(ready, reason): database reachable, migrations applied, Kafka reachable."""
        if self.pool is None or not self.migrated or not self.kafka_started:
            return False, self.waiting_for or "starting up"
        try:
            async with asyncio.timeout(2):
                async with self.pool.acquire() as conn:
                    todo = await pending(conn, self.settings.schema, self.service_dir)
            if todo:
                return False, f"migrations not applied: {', '.join(todo)}"
        except Exception as exc:  # noqa: BLE001
            return False, f"database unreachable: {kind_of(exc)}"
        if not await self.broker.ping(timeout=2):
            return False, "kafka unreachable"
        lasting = self._lasting_failure()
        if lasting is not None:
            return False, lasting
        return True, "ok"

    async def wait_for_database(self) -> None:
        await self._db_ok.wait()

    def transient_failure(self, consumer: str, kind: str, exc: BaseException) -> None:
        """A consumer met a transient failure (shared.db.transient_kind) and will try again; once its
        failures have lasted `transient_not_ready_after_s`, /ready says not ready, naming it and why."""
        self._transient.setdefault(consumer, (time.monotonic(), f"{kind} ({type(exc).__name__})"))

    def recovered(self, consumer: str) -> None:
        """The consumer's batch went through: whatever it was failing on has passed."""
        if self._transient:
            self._transient.pop(consumer, None)

    def _lasting_failure(self) -> str | None:
        limit = self.settings.transient_not_ready_after_s
        now = time.monotonic()
        for consumer, (since, reason) in sorted(self._transient.items()):
            if now - since >= limit:
                return f"consumer {consumer} has failed for {int(now - since)} s: {reason}; retrying"
        return None

    # --- dead letters -------------------------------------------------------------------------------
    async def dead_letter(self, consumer: str, letters: list[DeadLetter]) -> None:
        """Publish each letter to `<service>.dlq`; waits (never drops) while Kafka is away. A letter Kafka
        refuses for itself (a record at CAREPAY_KAFKA_MAX_MESSAGE_BYTES has no room for the DLQ headers) goes
        without its value, with `dlq_value_omitted_bytes`: the value stays at the topic, partition and offset
        its headers name. Retried as it was, it would hold the consumer's partition for ever."""
        topic = dlq_topic(self.service)
        for letter in letters:
            m = letter.message
            value = m.value or b""
            headers = dlq_headers(letter, consumer)
            backoff = 0.5
            while True:
                try:
                    await self.producer.send_and_wait(topic, value=value, key=(m.key or "").encode(),
                                                      headers=headers)
                    break
                except Exception as exc:  # noqa: BLE001
                    if isinstance(exc, REFUSED) and value:
                        log.error("dead letter refused by Kafka; sent without its value", error=describe(exc),
                                  topic=topic, origin=m.where, bytes=len(value))
                        headers, value = [*headers, ("dlq_value_omitted_bytes", str(len(value)).encode())], b""
                        continue
                    log.error("could not publish to the DLQ; retrying", error=describe(exc), topic=topic)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
            metrics.DLQ_MESSAGES.labels(self.service, consumer, letter.reason).inc()
            log.warning("message dead-lettered", consumer=consumer, reason=letter.reason,
                        error=describe(letter.error), origin=m.where)

    def asyncapi(self) -> dict[str, Any]:
        spec = AsyncAPI(self.broker, title=f"Carepay {self.service}", version="1.0.0",
                        description=f"Events consumed by the Carepay {self.service} service.")
        return spec.to_specification().to_jsonable()


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except Exception:  # noqa: BLE001
        pass


def scrape_token_check(token: str | None) -> Callable[[Request], None]:
    """The dependency of /metrics: open when `token` is None (the local stack), else the request must
    carry `Authorization: Bearer <token>` (compared in constant time) or is answered 401. The figures
    there (payment totals, queues) are not for whoever can reach the port."""
    expected = f"Bearer {token}".encode() if token else None

    def check(request: Request) -> None:
        if expected is None:
            return
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise HTTPException(401, detail="metrics need the scrape token: Authorization: Bearer <CAREPAY_METRICS_TOKEN>",
                                headers={"WWW-Authenticate": "Bearer"})

    return check


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    service: str
    ready: bool
    reason: str


def _route_template(request: Request) -> str | None:
    """The template of the route that answered (`/invoices/{invoice_id}`), never the path: paths carry ids."""
    return getattr(request.scope.get("route"), "path", None)


def _observe_request(service: str, method: str, route: str | None, status: int, started: float) -> float:
    """Count and time one answered request (`route` "unmatched" when no route took it); the seconds it took."""
    elapsed = time.perf_counter() - started
    label = route or "unmatched"
    metrics.HTTP_REQUESTS.labels(service, method, label, str(status)).inc()
    metrics.HTTP_REQUEST_DURATION.labels(service, method, label).observe(elapsed)
    return elapsed


def create_service(name: str, *, service_dir: Path, routers: Sequence[APIRouter] = (),
                   consumers: Sequence[BaseConsumer] = (), publishes: Mapping[str, Sequence[type[Event]]] | None = None,
                   description: str = "",
                   background: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = (),
                   body_caps: Mapping[str, int] | None = None) -> FastAPI:
    """The ASGI app of service `name`: health, readiness, metrics, API documents, and its routes.

    `background`: the service's periodic work, each `async def work(runtime)` run as a task from
    when the database is migrated and Kafka reached until shutdown (it loops and sleeps itself;
    guard work that must run once across instances with an advisory lock).

    `body_caps`: the routes (path patterns, `{x}` for a segment) whose bodies may pass CAREPAY_MAX_BODY_BYTES,
    with their own cap in bytes (uploads); shared.limits answers 413 for a body over its cap."""
    refuse_unsafe_start(name)  # production: exits naming every unsafe or missing setting, before serving
    settings = settings_for(name)
    oidc_settings()  # a wrong CAREPAY_OIDC_* setting stops the service here, naming it
    configure_logging(name, settings.log_level)
    runtime = ServiceRuntime(settings, service_dir, consumers, publishes or {}, background)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    # No /docs or /redoc (they load their scripts from a CDN): /reference serves the API reference (shared.reference).
    app = FastAPI(title=f"Carepay {name}", version="1.0.0", description=description, lifespan=lifespan,
                  docs_url=None, redoc_url=None, generate_unique_id_function=operation_id)
    app.state.runtime = runtime
    install_error_handlers(app)  # every error is application/problem+json (shared.problems)

    # Idempotency-Key (issue 18): inside context_and_metrics (a replay is logged, counted and carries the
    # correlation id) and inside RequestLimits (a body is bounded before it is read to be fingerprinted).
    app.add_middleware(IdempotencyKeys)

    @app.middleware("http")
    async def context_and_metrics(request: Request, call_next):
        correlation_id = request.headers.get("x-correlation-id") or str(uuid.uuid4())  # bounded: shared.limits
        request_id = str(uuid.uuid4())
        request.state.correlation_id = correlation_id
        request.state.request_id = request_id
        started = time.perf_counter()
        # --- tracing (shared.tracing): the request's SERVER span, whose traceparent its events carry ---
        with tracing.http_server_span(name, request.method, request.headers, scheme=request.url.scheme,
                                      http_version=request.scope.get("http_version"),
                                      correlation_id=correlation_id) as span:
            request.state.traceparent = span.traceparent
            try:
                with message_context(None, correlation_id, request_id, trace_id=span.trace_id):
                    response = await call_next(request)
            except Exception:  # unhandled: the server answers 500; counted and timed, then on to it
                route = _route_template(request)
                span.finish(route, 500)
                _observe_request(name, request.method, route, 500, started)
                raise
            route = _route_template(request)
            span.finish(route, response.status_code)
        elapsed = _observe_request(name, request.method, route, response.status_code, started)
        response.headers["x-correlation-id"] = correlation_id
        response.headers["traceparent"] = span.traceparent
        # --- end tracing ---
        if route not in ("/health", "/ready", "/metrics"):
            log.info("http request", method=request.method, route=route or "unmatched",
                     status=response.status_code, ms=round(elapsed * 1000, 1), correlation_id=correlation_id,
                     causation_id=request_id, trace_id=span.trace_id)
        return response

    @app.get("/health", tags=["operations"], summary="Alive", response_model=Health)
    async def get_health() -> dict[str, str]:
        return {"status": "alive", "service": name}

    @app.get("/ready", tags=["operations"], summary="Ready: database, migrations and Kafka in place",
             response_model=Readiness,
             responses={503: {"model": Readiness, "description": "Not ready, with the reason"}})
    async def get_readiness() -> JSONResponse:
        ok, reason = await runtime.readiness()
        metrics.SERVICE_UP.labels(name).set(1 if ok else 0)
        return JSONResponse({"service": name, "ready": ok, "reason": reason}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=PlainTextResponse,
             dependencies=[Depends(scrape_token_check(settings.metrics_token))],
             responses={401: {"description": "CAREPAY_METRICS_TOKEN is set and the scrape did not bring it"}})
    async def get_metrics() -> Response:
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI document of consumed topics",
             response_model=dict[str, Any], responses={200: {"description": "The AsyncAPI 3 document"}})
    async def get_async_api() -> JSONResponse:
        return JSONResponse(runtime.asyncapi())

    for router in routers:
        app.include_router(router)
    install_reference(app)  # GET /reference: the rendered API reference
    install_openapi(app)  # operationIds checked (unique), /openapi.json completed (shared.openapi)
    # Outermost: an oversized or malformed request is answered before anything reads it.
    app.add_middleware(RequestLimits, default_body_bytes=settings.max_body_bytes, body_caps=body_caps,
                       max_header_bytes=settings.max_header_bytes)
    return app
