"""A service migrates its schema at start only when CAREPAY_MIGRATE_ON_START (local); otherwise (production) it
never changes the schema: it waits, not ready and saying so, until `carepay migrate` has applied every migration."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

from shared import service as service_module
from shared.service import ServiceRuntime
from shared.settings import settings_for
from tests.unit.foundation.test_background_work import _Relay, _Stub


async def _runtime(monkeypatch, *, migrate_on_start: bool, pending_answers: list[list[str]]):
    calls: list[tuple] = []

    async def create_pool(*args, **kwargs):
        return _Stub()

    async def migrate(conn, schema, service_dir, *, runtime_role=None):
        calls.append(("migrate", schema, runtime_role))
        return ["0001_x"]

    async def pending(conn, schema, service_dir):
        calls.append(("pending", schema))
        return pending_answers.pop(0) if pending_answers else []

    monkeypatch.setattr(service_module, "create_pool", create_pool)
    monkeypatch.setattr(service_module, "migrate", migrate)
    monkeypatch.setattr(service_module, "pending", pending)
    monkeypatch.setattr(service_module, "idempotent_producer", lambda *a: _Stub())
    monkeypatch.setattr(service_module, "OutboxRelay", _Relay)
    settings = settings_for("queries").model_copy(update={"migrate_on_start": migrate_on_start,
                                                           "database_runtime_role": "carepay_{service}"})
    runtime = ServiceRuntime(settings, Path("."), [], {})
    monkeypatch.setattr(runtime.broker, "start", _Stub().start)
    monkeypatch.setattr(runtime.broker, "stop", _Stub().stop)
    return runtime, calls


def _purges(runtime: ServiceRuntime) -> int:
    return sum(t.get_name() == "queries-idempotency-purge" for t in runtime._tasks)


async def _until(check, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_in_local_mode_the_service_applies_its_migrations_granting_its_runtime_role(monkeypatch):
    runtime, calls = await _runtime(monkeypatch, migrate_on_start=True, pending_answers=[])
    await runtime.start()
    try:
        await _until(lambda: runtime.migrated)
        assert calls == [("migrate", "queries", "carepay_queries")]
        assert _purges(runtime) == 1
    finally:
        await runtime.stop()


async def test_without_migrate_on_start_the_service_waits_for_carepay_migrate_and_never_migrates(monkeypatch):
    runtime, calls = await _runtime(monkeypatch, migrate_on_start=False,
                                    pending_answers=[["runtime/0004_idempotency", "0003_lists_by_page"]])
    await runtime.start()
    try:
        await _until(lambda: calls)
        await _until(lambda: "carepay migrate" in runtime.waiting_for)
        assert runtime.waiting_for == ("migrations not applied: runtime/0004_idempotency, 0003_lists_by_page "
                                       "(run `carepay migrate`)")
        assert (await runtime.readiness())[0] is False
        assert _purges(runtime) == 0
        await _until(lambda: runtime.migrated)  # the next look finds them applied
        assert calls == [("pending", "queries"), ("pending", "queries")]
        assert _purges(runtime) == 1  # the database's own upkeep starts once, when it is in place
    finally:
        await runtime.stop()
