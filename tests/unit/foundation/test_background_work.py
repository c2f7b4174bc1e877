"""A service's periodic work starts once its database is migrated and Kafka reached, and stops with it."""
from __future__ import annotations

import asyncio
from pathlib import Path

from shared import service as service_module
from shared.service import ServiceRuntime
from shared.settings import settings_for


class _Stub:
    async def start(self):
        return None

    async def stop(self):
        return None

    async def close(self):
        return None

    def acquire(self):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class _Relay:
    def __init__(self, *args, **kwargs):
        pass

    async def run(self):
        await asyncio.Event().wait()


async def test_background_work_runs_after_the_database_and_kafka_are_ready_and_is_cancelled_on_stop(monkeypatch):
    order: list[str] = []

    async def create_pool(*args, **kwargs):
        order.append("pool")
        return _Stub()

    async def migrate(*args, **kwargs):
        order.append("migrated")
        return []

    monkeypatch.setattr(service_module, "create_pool", create_pool)
    monkeypatch.setattr(service_module, "migrate", migrate)
    monkeypatch.setattr(service_module, "idempotent_producer", lambda *a: _Stub())
    monkeypatch.setattr(service_module, "OutboxRelay", _Relay)
    stopped = asyncio.Event()

    async def periodic(runtime: ServiceRuntime) -> None:
        order.append(f"work sees the pool: {runtime.pool is not None and runtime.migrated}")
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    runtime = ServiceRuntime(settings_for("invoicing"), Path("."), [], {}, background=[periodic])
    monkeypatch.setattr(runtime.broker, "start", _Stub().start)
    monkeypatch.setattr(runtime.broker, "stop", _Stub().stop)
    await runtime.start()
    for _ in range(100):
        if len(order) == 3:
            break
        await asyncio.sleep(0.01)
    assert order == ["pool", "migrated", "work sees the pool: True"]
    await runtime.stop()
    assert stopped.is_set()
