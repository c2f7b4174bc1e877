"""A service starts even when Kafka or Postgres is down, says why it is not ready, and recovers."""
from __future__ import annotations

import asyncio
import socket

import pytest

from shared.stack import Instance, http_json, start, stop
from tests.conftest import eventually

pytestmark = pytest.mark.stack


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _not_ready_reason(env: dict[str, str], instance: int) -> tuple[int, dict, int]:
    inst = Instance("queries", instance)
    start(inst, extra_env=env)
    try:
        async def health():
            status, _ = http_json(f"{inst.url}/health")
            return status == 200

        await eventually(health, timeout=60, what="the service to answer /health")
        await asyncio.sleep(1)
        status, body = http_json(f"{inst.url}/ready")
        metrics_status, _ = http_json(f"{inst.url}/health")
        return status, body, metrics_status
    finally:
        stop(inst)


async def test_service_with_kafka_down_is_alive_but_not_ready_and_says_kafka(stack):
    status, body, health = await _not_ready_reason(
        {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{_closed_port()}"}, instance=8)
    assert health == 200
    assert status == 503
    assert "kafka" in body["reason"].lower()


async def test_service_with_postgres_down_is_alive_but_not_ready_and_says_database(stack):
    status, body, health = await _not_ready_reason(
        {"DATABASE_URL": f"postgresql://carepay:carepay@127.0.0.1:{_closed_port()}/carepay"}, instance=9)
    assert health == 200
    assert status == 503
    assert "database" in body["reason"].lower()
