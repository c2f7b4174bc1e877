"""Idempotency-Key against Postgres (shared/idempotency.py, table from shared/sql/0004_idempotency.sql): a replay
answers the first response without running the route again; another request under the same key is 422; keys
are per caller; concurrent requests run once; 5xx, failures and oversized answers are not kept; keys last 24 h."""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from shared.auth import Principal, current_principal
from shared.idempotency import MAX_KEPT_BYTES, IdempotencyKeys, purge_expired
from shared.testing import DatabaseOnly

pytestmark = pytest.mark.db
Caller = Annotated[Principal, Depends(current_principal)]


def _app() -> tuple[FastAPI, Counter, dict]:
    app = FastAPI()
    calls: Counter = Counter()
    gate = {"entered": asyncio.Event(), "release": asyncio.Event()}

    @app.post("/things")
    async def create_thing(request: Request, caller: Caller) -> JSONResponse:
        calls["things"] += 1
        body = await request.body()
        return JSONResponse({"n": calls["things"], "bytes": len(body), "by": caller.subject}, status_code=201,
                            headers={"Location": f"/things/{calls['things']}", "X-Other": "not kept"})

    @app.put("/things/{thing_id}")
    async def replace_thing(thing_id: str, caller: Caller) -> dict:
        calls["put"] += 1
        return {"n": calls["put"], "id": thing_id}

    @app.post("/refusals")
    async def refuse(caller: Caller) -> None:
        calls["refusals"] += 1
        raise HTTPException(409, detail=f"refusal {calls['refusals']}")

    @app.post("/flaky")
    async def flaky(caller: Caller) -> JSONResponse:
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            return JSONResponse({"detail": "database unavailable"}, status_code=503)
        return JSONResponse({"n": calls["flaky"]}, status_code=201)

    @app.post("/crash")
    async def crash(caller: Caller) -> dict:
        calls["crash"] += 1
        if calls["crash"] == 1:
            raise RuntimeError("a bug")
        return {"n": calls["crash"]}

    @app.post("/large")
    async def large(caller: Caller) -> Response:
        calls["large"] += 1
        return Response(b"x" * (MAX_KEPT_BYTES + 1), media_type="text/plain")

    @app.post("/slow")
    async def slow(caller: Caller) -> dict:
        calls["slow"] += 1
        gate["entered"].set()
        await gate["release"].wait()
        return {"n": calls["slow"]}

    @app.post("/quick")
    async def quick(caller: Caller) -> dict:
        calls["quick"] += 1
        await asyncio.sleep(0)
        return {"n": calls["quick"]}

    app.add_middleware(IdempotencyKeys)
    return app, calls, gate


@pytest.fixture(scope="module")
async def database():
    async with DatabaseOnly("requests") as db:
        yield db


@pytest.fixture
async def env(database):
    await database.fetch("TRUNCATE idempotency_keys")
    app, calls, gate = _app()
    async with database.http(app) as client:
        yield database, client, calls, gate


def _with(db: DatabaseOnly, key: str, subject: str = "officer-1") -> dict[str, str]:
    return {"Idempotency-Key": key, **db.auth("social_worker", subject=subject)}


async def test_a_replay_answers_the_first_response_and_does_not_run_the_route_again(env):
    db, client, calls, _ = env
    headers = _with(db, "k-1")
    first = await client.post("/things", json={"name": "a"}, headers=headers)
    assert first.status_code == 201 and first.json()["n"] == 1
    assert "idempotent-replayed" not in first.headers
    again = await client.post("/things", json={"name": "a"}, headers=headers)
    assert calls["things"] == 1
    assert again.status_code == 201 and again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/json" and again.headers["location"] == "/things/1"
    assert "x-other" not in again.headers
    # Without the key, or with a new one, the route runs again.
    assert (await client.post("/things", json={"name": "a"}, headers=db.auth("social_worker"))).json()["n"] == 2
    assert (await client.post("/things", json={"name": "a"}, headers=_with(db, "k-2"))).json()["n"] == 3


async def test_a_put_is_kept_too_and_a_refusal_is_replayed_as_it_was(env):
    db, client, calls, _ = env
    for _ in range(2):
        r = await client.put("/things/T1", headers=_with(db, "put-1"))
        assert r.json() == {"n": 1, "id": "T1"}
        r = await client.post("/refusals", headers=_with(db, "refusal-1"))
        assert r.status_code == 409 and r.json() == {"detail": "refusal 1"}
    assert calls["put"] == 1 and calls["refusals"] == 1


@pytest.mark.parametrize("change", ["body", "path", "query", "method"])
async def test_the_same_key_with_another_request_is_422_idempotency_key_reused(env, change):
    db, client, calls, _ = env
    headers = _with(db, "k-reused")
    assert (await client.post("/things", json={"name": "a"}, headers=headers)).status_code == 201
    if change == "body":
        r = await client.post("/things", json={"name": "b"}, headers=headers)
    elif change == "path":
        r = await client.post("/quick", json={"name": "a"}, headers=headers)
    elif change == "query":
        r = await client.post("/things?dry_run=true", json={"name": "a"}, headers=headers)
    else:
        r = await client.put("/things", json={"name": "a"}, headers=headers)
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["type"] == "idempotency_key_reused" and error["loc"] == ["header", "Idempotency-Key"]
    assert calls["things"] == 1 and calls["quick"] == 0


async def test_keys_are_per_caller(env):
    db, client, calls, _ = env
    mine = await client.post("/things", json={}, headers=_with(db, "shared-key", subject="officer-1"))
    theirs = await client.post("/things", json={}, headers=_with(db, "shared-key", subject="officer-2"))
    assert (mine.json()["n"], theirs.json()["n"]) == (1, 2)
    provider = {"Idempotency-Key": "shared-key", **db.auth("provider", provider="PRV-1", subject="officer-1")}
    assert (await client.post("/things", json={}, headers=provider)).json()["n"] == 3
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys") == 3


async def test_while_the_first_runs_the_same_key_is_409_in_progress_then_its_answer(env):
    db, client, calls, gate = env
    headers = _with(db, "k-slow")
    first = asyncio.create_task(client.post("/slow", headers=headers))
    await gate["entered"].wait()
    busy = await client.post("/slow", headers=headers)
    assert busy.status_code == 409 and busy.headers["retry-after"] == "1"
    assert "still running" in busy.json()["detail"]
    gate["release"].set()
    assert (await first).json() == {"n": 1}
    replay = await client.post("/slow", headers=headers)
    assert replay.json() == {"n": 1} and replay.headers["idempotent-replayed"] == "true"
    assert calls["slow"] == 1


async def test_concurrent_requests_with_one_key_run_the_route_once(env):
    db, client, calls, _ = env
    headers = _with(db, "k-race")
    answers = await asyncio.gather(*[client.post("/quick", json={"x": 1}, headers=headers) for _ in range(8)])
    assert calls["quick"] == 1
    ran = [a for a in answers if a.status_code == 200 and "idempotent-replayed" not in a.headers]
    assert len(ran) == 1
    for a in answers:
        assert (a.status_code, a.json()) == (200, {"n": 1}) or a.status_code == 409


async def test_a_first_request_that_never_finished_is_409_telling_the_caller_to_check(env):
    db, client, calls, _ = env
    headers = _with(db, "k-stale")
    first = await client.post("/things", json={}, headers=headers)
    assert first.status_code == 201
    await db.fetch("UPDATE idempotency_keys SET status = NULL, body = NULL, created_at = now() - interval '6 minutes'")
    r = await client.post("/things", json={}, headers=headers)
    assert r.status_code == 409 and "did not finish" in r.json()["detail"] and "check whether" in r.json()["detail"]
    assert "retry-after" not in r.headers and calls["things"] == 1


async def test_a_5xx_is_not_kept_so_the_retry_runs(env):
    db, client, calls, _ = env
    headers = _with(db, "k-flaky")
    assert (await client.post("/flaky", headers=headers)).status_code == 503
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys") == 0
    retry = await client.post("/flaky", headers=headers)
    assert retry.status_code == 201 and retry.json() == {"n": 2} and "idempotent-replayed" not in retry.headers
    assert (await client.post("/flaky", headers=headers)).headers["idempotent-replayed"] == "true"
    assert calls["flaky"] == 2


async def test_a_request_that_raised_is_not_kept(env):
    db, _, calls, _ = env
    app = _app()[0]
    app.state.runtime = db
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://t.test") as client:
        headers = _with(db, "k-crash")
        assert (await client.post("/crash", headers=headers)).status_code == 500
        assert await db.fetchval("SELECT count(*) FROM idempotency_keys") == 0
        assert (await client.post("/crash", headers=headers)).json() == {"n": 2}


async def test_an_answer_over_1_MiB_is_not_kept(env):
    db, client, calls, _ = env
    headers = _with(db, "k-large")
    for _ in range(2):
        r = await client.post("/large", headers=headers)
        assert len(r.content) == MAX_KEPT_BYTES + 1 and "idempotent-replayed" not in r.headers
    assert calls["large"] == 2


async def test_a_large_body_reaches_the_route_whole_and_is_fingerprinted(env):
    db, client, calls, _ = env
    body = json.dumps({"blob": "y" * (3 << 20)}).encode()  # spooled to disk past 1 MiB
    headers = {**_with(db, "k-body"), "content-type": "application/json"}
    first = await client.post("/things", content=body, headers=headers)
    assert first.json()["bytes"] == len(body)
    assert (await client.post("/things", content=body, headers=headers)).headers["idempotent-replayed"] == "true"
    changed = body[:-3] + b'z"}'
    assert (await client.post("/things", content=changed, headers=headers)).status_code == 422
    assert calls["things"] == 1


async def test_a_key_is_kept_24_hours_then_treated_as_new_and_purged(env):
    db, client, calls, _ = env
    headers = _with(db, "k-old")
    await client.post("/things", json={"v": 1}, headers=headers)
    await client.post("/things", json={"v": 1}, headers=_with(db, "k-young"))
    await db.fetch("UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' "
                   "WHERE key = 'k-old'")
    # Another body under the expired key is a new request, not a reuse.
    r = await client.post("/things", json={"v": 2}, headers=headers)
    assert r.status_code == 201 and r.json()["n"] == 3 and "idempotent-replayed" not in r.headers
    assert (await client.post("/things", json={"v": 2}, headers=headers)).headers["idempotent-replayed"] == "true"
    await db.fetch("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k-young'")
    async with db.pool.acquire() as conn:
        assert await purge_expired(conn) == 1
    assert [r["key"] for r in await db.fetch("SELECT key FROM idempotency_keys")] == ["k-old"]


async def test_a_malformed_key_is_422_and_a_request_without_one_is_untouched(env):
    db, client, calls, _ = env
    bad = await client.post("/things", json={}, headers=_with(db, "x" * 201))
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    plain = db.auth("social_worker")
    assert [(await client.post("/things", json={}, headers=plain)).json()["n"] for _ in range(2)] == [1, 2]
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys") == 0
