"""Idempotency-Key: a POST or PUT retried after a timeout acts once, and its retry gets the first answer.

`IdempotencyKeys` is plain ASGI middleware, installed by `create_service` for every route (services need
no code of their own). It acts only on a POST or PUT carrying the header `Idempotency-Key` whose caller
has a valid bearer token (without one the request goes on untouched, and the route answers 401):
- the key is 1 to 200 printable ASCII characters, sent once, else 422 `header.Idempotency-Key`;
- keys are kept per caller (the token's role, subject and scope: two callers never share a key) for
  KEEP_FOR (24 h) in the service's own table `idempotency_keys` (shared/sql/0004_idempotency.sql), with
  the request's fingerprint: SHA-256 of its method, path, query and body;
- a new key: the request runs and its response (status, body and the headers in KEPT_HEADERS) is kept
  before the last of it reaches the client. Not kept, so the client may send the request again: a 5xx,
  a 429, a response whose body is over MAX_KEPT_BYTES (1 MiB; such routes are not replayable), and a
  request that raised. Then the key is forgotten;
- the same key again with the same fingerprint: the kept response, with `Idempotent-Replayed: true`,
  and the route does not run;
- the same key with another method, path, query or body: 422 `idempotency_key_reused`;
- the same key while its first request still runs: 409 `idempotency_key_in_progress`; if that request
  began over UNFINISHED_AFTER (5 min) ago it did not finish (the process stopped): 409 saying so, and
  that the caller should check whether it took effect before using a new key;
- a key older than KEEP_FOR is treated as new; `purge_expired` deletes such rows (the service runtime
  calls it every 10 minutes);
- while the database is not ready, a request with the header is 503 (one without it goes on).
The body is read whole before the route runs (to fingerprint it), spooled to disk past 1 MiB, so an
upload of any size the route's body cap allows (shared.limits, outside this middleware) can carry a key.
"""
from __future__ import annotations

import hashlib
import json
import re
import tempfile
import uuid
from datetime import timedelta
from typing import IO, Any

import asyncpg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import InvalidToken, Principal, verify_for
from shared.db import transient_kind
from shared.logging import get_logger
from shared.problems import PROBLEM_JSON, problem_body
from shared.redaction import describe

log = get_logger(__name__)

METHODS = frozenset({"POST", "PUT"})
HEADER = b"idempotency-key"
FIELD = "header.Idempotency-Key"
KEY = re.compile(r"[\x20-\x7e]{1,200}")
KEEP_FOR = timedelta(hours=24)
UNFINISHED_AFTER = timedelta(minutes=5)
MAX_KEPT_BYTES = 1 << 20
KEPT_HEADERS = frozenset({b"content-type", b"location", b"content-disposition"})
_SPOOL_MEMORY = 1 << 20
_CHUNK = 64 << 10

_CLAIM = """
INSERT INTO idempotency_keys (principal, key, fingerprint, claim) VALUES ($1, $2, $3, $4)
ON CONFLICT (principal, key) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, claim = EXCLUDED.claim, created_at = now(),
        status = NULL, headers = NULL, body = NULL, completed_at = NULL
    WHERE idempotency_keys.created_at < now() - $5::interval
RETURNING claim"""
_EARLIER = """
SELECT fingerprint, status, headers, body, created_at < now() - $3::interval AS unfinished
FROM idempotency_keys WHERE principal = $1 AND key = $2 AND created_at >= now() - $4::interval"""


def _problem(status: int, code: str, detail: str, field: str | None = None) -> tuple[int, list, bytes]:
    """(status, headers, body) of an answer of this middleware's own: a problem (shared.problems); `_answer`
    adds the request's path and correlation id."""
    errors = [{"loc": field.split(".", 1), "msg": detail, "type": code}] if field is not None else []
    body = json.dumps(problem_body(status, detail if field is None else f"{field}: {detail}", code=code,
                                   errors=errors)).encode()
    return status, [(b"content-type", PROBLEM_JSON.encode())], body


async def _answer(send: Send, answer: tuple[int, list, bytes], *extra: tuple[bytes, bytes],
                  scope: Scope | None = None) -> None:
    status, headers, body = answer
    if scope is not None and (b"content-type", PROBLEM_JSON.encode()) in headers:
        problem = json.loads(body)
        problem["instance"] = scope.get("path")
        problem["correlation_id"] = (scope.get("state") or {}).get("correlation_id")
        body = json.dumps(problem).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, *extra, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _answer_for(scope: Scope, send: Send, answer: tuple[int, list, bytes], *extra: tuple[bytes, bytes]) -> None:
    await _answer(send, answer, *extra, scope=scope)


def principal_text(principal: Principal) -> str:
    """Whose keys these are: `role:subject:scope` (scope the provider, person or PA the token is limited to)."""
    scope = principal.provider_id or principal.person_ref or principal.pa_id or ""
    return f"{principal.role}:{principal.subject}:{scope}"


def _caller(runtime: Any, headers: list[tuple[bytes, bytes]]) -> Principal | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            try:
                return verify_for(runtime.settings, token.strip())
            except InvalidToken:
                return None
    return None


async def purge_expired(conn: asyncpg.Connection) -> int:
    """Delete the keys older than KEEP_FOR; how many."""
    done = await conn.execute("DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", KEEP_FOR)
    return int(done.split()[-1])


class _Body:
    """A request body read whole (spooled past _SPOOL_MEMORY) and fingerprinted, handed on to the app."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)
        self.complete = False
        self.size = 0

    async def read(self, scope: Scope, receive: Receive) -> bytes:
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        sha = hashlib.sha256(json.dumps([scope["method"], path, query]).encode() + b"\n")
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return sha.digest()
            chunk = message.get("body", b"")
            sha.update(chunk)
            self.file.write(chunk)
            self.size += len(chunk)
            if not message.get("more_body", False):
                self.complete = True
                self.file.seek(0)
                return sha.digest()

    def receive_for(self, receive: Receive) -> Receive:
        async def replayed() -> Message:
            if self.file.closed:
                return await receive()
            chunk = self.file.read(_CHUNK)
            more = self.file.tell() < self.size
            if not more:
                self.file.close()
            return {"type": "http.request", "body": chunk, "more_body": more}

        return replayed


class IdempotencyKeys:
    """The middleware (see the module docstring); the service's runtime is `scope["app"].state.runtime`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS:
            await self.app(scope, receive, send)
            return
        keys = [v for k, v in scope["headers"] if k == HEADER]
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        principal = _caller(runtime, scope["headers"]) if keys and runtime is not None else None
        if principal is None:
            await self.app(scope, receive, send)
            return
        key = keys[0].decode("latin-1")
        if len(keys) > 1 or not KEY.fullmatch(key):
            await _answer_for(scope, send, _problem(422, "invalid_request", "must be sent once, 1 to 200 printable ASCII "
                                                                 "characters (a UUID is a good key)", FIELD))
            return
        if runtime.pool is None:
            await _answer_for(scope, send, _problem(503, "unavailable", "service is starting: database not ready; send the "
                                                             "request again with the same Idempotency-Key"),
                          (b"retry-after", b"2"))
            return
        body = _Body()
        try:
            fingerprint = await body.read(scope, receive)
            if body.complete:
                await self._once(scope, body.receive_for(receive), send, runtime.pool, principal_text(principal),
                                 key, fingerprint)
        finally:
            body.file.close()

    async def _once(self, scope: Scope, receive: Receive, send: Send, pool: asyncpg.Pool, principal: str,
                    key: str, fingerprint: bytes) -> None:
        claim = uuid.uuid4()
        try:
            for _ in range(3):  # the earlier row can go between the two statements (its request failed)
                async with pool.acquire() as conn:
                    if await conn.fetchval(_CLAIM, principal, key, fingerprint, claim, KEEP_FOR) is not None:
                        break
                    earlier = await conn.fetchrow(_EARLIER, principal, key, UNFINISHED_AFTER, KEEP_FOR)
                if earlier is not None:
                    await _answer_for(scope, send, *_earlier_answer(earlier, fingerprint))
                    return
            else:  # other requests with this key keep taking and dropping it
                await _answer_for(scope, send, _problem(409, "idempotency_key_in_progress", "another request with this "
                                             "Idempotency-Key is running: send it again in a moment"),
                              (b"retry-after", b"1"))
                return
        except Exception as exc:
            if transient_kind(exc) is None:
                raise
            await _answer_for(scope, send, _problem(503, "unavailable", "the database is unavailable: send the request again "
                                                             "with the same Idempotency-Key in a few seconds"),
                          (b"retry-after", b"2"))
            return
        await self._run(scope, receive, send, pool, (principal, key, claim))

    async def _run(self, scope: Scope, receive: Receive, send: Send, pool: asyncpg.Pool, row: tuple) -> None:
        status, headers, parts, size = 0, [], [], 0
        settled = False

        async def kept(message: Message) -> None:
            nonlocal status, headers, size, settled
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])
                           if k.lower() in KEPT_HEADERS]
            elif message["type"] == "http.response.body" and not settled:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= MAX_KEPT_BYTES:
                    parts.append(chunk)
                if not message.get("more_body", False):
                    settled = True  # kept before the client has the whole answer: a retry after it is a replay
                    if status >= 500 or status == 429 or size > MAX_KEPT_BYTES:
                        await _forget(pool, row)
                    else:
                        await _keep(pool, row, status, headers, b"".join(parts))
            await send(message)

        try:
            await self.app(scope, receive, kept)
        except BaseException:
            if not settled:
                settled = True
                await _forget(pool, row)
            raise
        if not settled:  # the app ended without a whole response
            await _forget(pool, row)


def _earlier_answer(earlier: asyncpg.Record, fingerprint: bytes) -> tuple:
    if bytes(earlier["fingerprint"]) != fingerprint:
        return (_problem(422, "idempotency_key_reused", "was used with another request (method, path, query or "
                                                        "body) in the last 24 hours: use a new key for a new request",
                         FIELD),)
    if earlier["status"] is None and earlier["unfinished"]:
        return (_problem(409, "idempotency_key_in_progress",
                         "the first request with this Idempotency-Key began over 5 minutes ago and did not finish: "
                         "check whether it took effect before sending it again with a new key"),)
    if earlier["status"] is None:
        return (_problem(409, "idempotency_key_in_progress", "the first request with this Idempotency-Key is still "
                                                             "running: send it again in a moment for its answer"),
                (b"retry-after", b"1"))
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in earlier["headers"] or []]
    return (earlier["status"], headers, bytes(earlier["body"] or b"")), (b"idempotent-replayed", b"true")


async def _keep(pool: asyncpg.Pool, row: tuple, status: int, headers: list, body: bytes) -> None:
    try:
        async with pool.acquire() as conn:
            await conn.execute("UPDATE idempotency_keys SET status = $4, headers = $5, body = $6, completed_at = now()"
                               " WHERE principal = $1 AND key = $2 AND claim = $3", *row, status, headers, body)
    except Exception as exc:  # noqa: BLE001 - the response stands; a retry is told the first did not finish
        log.warning("could not keep the response to an Idempotency-Key", error=describe(exc))


async def _forget(pool: asyncpg.Pool, row: tuple) -> None:
    try:
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND claim = $3", *row)
    except Exception as exc:  # noqa: BLE001 - the row then reads as unfinished until it expires
        log.warning("could not forget an Idempotency-Key", error=describe(exc))
