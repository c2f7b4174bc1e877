"""Idempotency-Key before it reaches the database (shared/idempotency.py): which requests the middleware leaves
alone, a malformed key, a database not yet ready; where create_service installs it; and the runtime's purge of
expired keys. Keeping and replaying answers: tests/db/foundation/test_idempotency.py."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from shared import service as service_module
from shared.auth import Principal, current_principal, mint_token
from shared.idempotency import IdempotencyKeys, principal_text
from shared.limits import RequestLimits
from shared.service import ServiceRuntime
from shared.settings import settings_for

SETTINGS = settings_for("requests")


def _token(**claims) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(SETTINGS.auth_secret, subject="u1", role="social_worker",
                                                      **claims)}


def _client() -> tuple[TestClient, list[str]]:
    app = FastAPI()
    calls: list[str] = []

    @app.post("/things")
    async def create_thing(request: Request, principal: Annotated[Principal, Depends(current_principal)]) -> dict:
        calls.append((await request.body()).decode())
        return {"ok": True}

    @app.get("/things")
    async def list_things() -> list:
        calls.append("get")
        return []

    app.add_middleware(IdempotencyKeys)
    app.state.runtime = SimpleNamespace(settings=SETTINGS, pool=None)  # the database is not ready
    return TestClient(app, raise_server_exceptions=False), calls


def test_a_request_without_the_header_goes_on_untouched_even_while_the_database_is_not_ready():
    client, calls = _client()
    assert client.post("/things", content=b"a", headers=_token()).json() == {"ok": True}
    assert calls == ["a"]


def test_a_get_with_the_header_goes_on_untouched():
    client, calls = _client()
    assert client.get("/things", headers={"Idempotency-Key": "k1"}).status_code == 200
    assert calls == ["get"]


@pytest.mark.parametrize("auth", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic dTpw"}])
def test_without_a_valid_token_the_route_answers_401_as_it_would(auth):
    client, calls = _client()
    r = client.post("/things", content=b"a", headers={"Idempotency-Key": "k1", **auth})
    assert r.status_code == 401 and calls == []


@pytest.mark.parametrize("key", ["", "x" * 201, "caf\u00e9", "tab\there", "new\nline"])
def test_a_malformed_key_is_422_naming_the_header(key):
    client, calls = _client()
    r = client.post("/things", content=b"a", headers=[("Idempotency-Key", key.encode("utf-8")),
                                                     *_token().items()])
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["loc"] == ["header", "Idempotency-Key"] and "1 to 200 printable ASCII" in error["msg"]
    assert calls == []


def test_a_key_sent_twice_in_one_request_is_422():
    client, calls = _client()
    r = client.post("/things", content=b"a", headers=[("Idempotency-Key", "k1"), ("Idempotency-Key", "k2"),
                                                     *_token().items()])
    assert r.status_code == 422 and calls == []


def test_a_key_while_the_database_is_not_ready_is_503_to_retry():
    client, calls = _client()
    r = client.post("/things", content=b"a", headers={"Idempotency-Key": "k" * 200, **_token()})
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert "same Idempotency-Key" in r.json()["detail"] and calls == []


def test_keys_belong_to_the_role_subject_and_scope_of_the_token():
    assert principal_text(Principal("u1", "provider", provider_id="PRV-1")) == "provider:u1:PRV-1"
    assert principal_text(Principal("u1", "person", person_ref="P-9")) == "person:u1:P-9"
    assert principal_text(Principal("u1", "ops")) == "ops:u1:"


def test_create_service_installs_it_inside_the_request_limits_and_the_request_context():
    from services.payments.app import app

    kinds = [m.cls for m in app.user_middleware]  # outermost first
    assert kinds.index(RequestLimits) < kinds.index(IdempotencyKeys)
    assert kinds.index(IdempotencyKeys) == len(kinds) - 1, "innermost: a replay still gets its correlation id"
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: the database is not ready
    token = {"Authorization": "Bearer " + mint_token(settings_for("payments").auth_secret, subject="f1",
                                                      role="finance_officer")}
    r = client.post("/payment-runs/R1/approve", json={}, headers={"Idempotency-Key": "k1", **token})
    assert r.status_code == 503 and r.headers["x-correlation-id"]
    assert "same Idempotency-Key" in r.json()["detail"], "answered by the middleware, not the route"


class _Pool:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def acquire(self):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False

    async def execute(self, sql, *args):
        self.statements.append(sql)
        if len(self.statements) == 1:
            raise ConnectionRefusedError("the database went away")  # the next round tries again
        return "DELETE 3"


async def test_the_runtime_purges_expired_keys_periodically_and_survives_a_failure(monkeypatch):
    runtime = ServiceRuntime(settings_for("requests"), service_module.Path("."), [], {})
    runtime.pool = _Pool()
    monkeypatch.setattr(runtime, "IDEMPOTENCY_PURGE_EVERY_S", 0)
    task = asyncio.create_task(runtime._purge_idempotency_keys())
    for _ in range(100):
        if len(runtime.pool.statements) >= 3:
            break
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(runtime.pool.statements) >= 3
    assert all(s.startswith("DELETE FROM idempotency_keys WHERE created_at <") for s in runtime.pool.statements)


def test_a_body_over_its_cap_is_still_413_when_the_middleware_reads_it():
    """The body is read (to fingerprint it) outside the routes' error handling: the cap still answers 413."""
    app = FastAPI()

    @app.post("/things")
    async def create_thing() -> dict:
        return {"ok": True}

    app.add_middleware(IdempotencyKeys)

    @app.middleware("http")
    async def around(request: Request, call_next):  # as create_service's context_and_metrics
        return await call_next(request)

    app.add_middleware(RequestLimits, default_body_bytes=1000)
    app.state.runtime = SimpleNamespace(settings=SETTINGS, pool=object())  # never reached
    client = TestClient(app, raise_server_exceptions=False)

    def chunked(n: int):
        for _ in range(n):
            yield b"x" * 300

    headers = {"Idempotency-Key": "k1", **_token()}
    assert client.post("/things", content=chunked(4), headers=headers).status_code == 413
    assert client.post("/things", content=b"x" * 1001, headers=headers).status_code == 413
