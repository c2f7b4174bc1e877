"""Fixtures shared by the whole suite.

Unit tests need nothing running. Tests marked `stack` talk to the local stack that `make test`
starts (Kafka, Postgres, the seven services); they never truncate tables, so each test makes
its own unique references and can run beside others.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from shared.auth import mint_token
from shared.settings import SERVICE_PORTS, settings_for
from shared.stack import Instance, ready

SETTINGS = settings_for("requests")


def url(service: str) -> str:
    return Instance(service).url


def token(role: str, *, provider: str | None = None, person: str | None = None, pa: str | None = None,
          subject: str | None = None) -> str:
    return mint_token(SETTINGS.auth_secret, subject=subject or f"test-{role}-{uuid.uuid4().hex[:6]}",
                      role=role, provider_id=provider, person_ref=person, pa_id=pa)


def auth(role: str, **kw) -> dict[str, str]:
    """Authorization header for `role` (provider=..., person=..., pa=... for a personal assistant, subject=...)."""
    return {"Authorization": f"Bearer {token(role, **kw)}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0, interval: float = 0.2,
                     what: str = "condition") -> Any:
    """Poll `check` until it returns a truthy value; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


async def every_page(client: httpx.AsyncClient, path: str, headers: dict, **params) -> list[list[dict]]:
    """Each page of a list, following its `Link: rel="next"` to the end."""
    pages, response = [], await client.get(path, params=params, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        following = response.links.get("next")
        if following is None:
            return pages
        response = await client.get(following["url"], headers=headers)


def _rank(item) -> int:
    if item.get_closest_marker("last") is not None:
        return 3
    if item.nodeid.startswith(("tests/unit/", "tests/db/")):
        return 0
    return 1 if item.nodeid.startswith("tests/api/") else 2


def pytest_collection_modifyitems(config, items):
    """The order of a session: the tiers that leave the stack alone (unit, db), then tests/api, the fuzz of the
    still clean stack, then every other stack test; tests marked `last` after all of them (their input leaves
    records on the stack that other tests do not expect)."""
    items.sort(key=_rank)


@pytest.fixture(scope="session")
async def month(stack):
    """The demo council's month, run once on the stack for the session: the end-to-end tests read it, and
    the last fuzz run reaches its records."""
    from shared.demo.scenario import run_month
    from tests.e2e.conftest import PEOPLE, PROVIDERS, SEED
    return await run_month(seed=SEED, people=PEOPLE, providers=PROVIDERS)


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    """The running local stack's service URLs; fails fast with a clear message if it is down."""
    not_ready = {s: r for s in SERVICE_PORTS if not (r := ready(Instance(s)))[0]}
    if not_ready:
        pytest.fail(f"the local stack is not ready ({not_ready}); run the tests with `make test`")
    return {s: url(s) for s in SERVICE_PORTS}


@pytest.fixture
async def http(stack) -> httpx.AsyncClient:
    async with httpx.AsyncClient(timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def database_url() -> str:
    return SETTINGS.database_url


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return SETTINGS.kafka_bootstrap_servers


@pytest.fixture
async def db(database_url):
    """A plain connection to the stack's database (for assertions on a service's own tables)."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def producer(kafka_bootstrap):
    from aiokafka import AIOKafkaProducer

    p = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await p.start()
    yield p
    await p.stop()


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()


class TopicTail:
    """Reads what is published on a topic after the tail was opened (no consumer group)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.seen: list[Any] = []

    async def __aenter__(self) -> "TopicTail":
        from aiokafka import AIOKafkaConsumer

        from shared.kafka_io import partitions_of

        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await self.consumer.start()
        parts = await partitions_of(self.consumer, self.topic)
        if not parts:
            await self.consumer.stop()
            raise AssertionError(f"topic {self.topic} does not exist")
        self.consumer.assign(parts)
        await self.consumer.seek_to_end(*parts)
        for tp in parts:  # resolve the end position now, before anything is produced
            await self.consumer.position(tp)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.consumer.stop()

    async def wait_for(self, predicate: Callable[[Any], bool], *, count: int = 1, timeout: float = 20.0) -> list[Any]:
        """Records (aiokafka ConsumerRecords) matching `predicate`, once `count` of them arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = await self.consumer.getmany(timeout_ms=200)
            for records in batch.values():
                self.seen.extend(records)
            matching = [r for r in self.seen if predicate(r)]
            if len(matching) >= count:
                return matching
        pytest.fail(f"timed out after {timeout}s: {len([r for r in self.seen if predicate(r)])}/{count} "
                    f"matching records on {self.topic} ({len(self.seen)} seen)")


def envelope_of(record: Any) -> dict[str, Any]:
    return json.loads(record.value)


@pytest.fixture
def tail(kafka_bootstrap):
    """`async with tail("topic") as t: ...; await t.wait_for(pred)`."""
    return lambda topic: TopicTail(kafka_bootstrap, topic)
