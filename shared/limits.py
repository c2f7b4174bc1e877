"""Bounds on what a client sends before any route sees it: header size, X-Correlation-Id, body size.

`RequestLimits` is plain ASGI middleware, outermost in every service (`create_service`):
- headers over `max_header_bytes` in all (names and values) -> 431 (uvicorn's httptools parser sets no limit);
- an X-Correlation-Id that is not 1 to 128 of [A-Za-z0-9._:-] -> 400 naming the header (it is copied into
  every event and log line of the request, so it is not let in unbounded or with any byte a client likes);
- a path segment over MAX_PATH_SEGMENT characters -> 422 naming the path;
- a body over its route's cap -> 413: at once when Content-Length declares more (nothing of it is read),
  else as soon as the bytes counted while it streams pass the cap (chunked bodies declare nothing).
The cap is `default_body_bytes` (CAREPAY_MAX_BODY_BYTES, 1 MiB), or a larger one a service declares for
its upload routes by path pattern (`create_service(body_caps={"/providers/{ref}/visit-files": 1 << 30})`;
`{...}` stands for one path segment, and a pattern covers the paths under it).
Each answer is a problem (shared.problems, application/problem+json) with its code (bad_request,
headers_too_large, too_large, invalid_request) and, where one is to blame, the field: "header.X-Correlation-Id",
"header.Content-Length", "path", "body".
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.bounds import MAX_PATH_SEGMENT
from shared.problems import PROBLEM_JSON, problem_body, summary_of

CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
DEFAULT_MAX_BODY_BYTES = 1 << 20
DEFAULT_MAX_HEADER_BYTES = 16 << 10


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes its cap (a 413 wherever it surfaces)."""

    def __init__(self, cap: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, detail=_too_large(cap))


def _too_large(cap: int) -> list[dict]:
    return [{"loc": ["body"], "msg": f"the request body is larger than the {cap} bytes this route takes",
             "type": "too_large"}]


def _header_error(name: str, msg: str, kind: str) -> dict:
    return {"detail": msg, "errors": [{"loc": ["header", name], "msg": msg, "type": kind}]}


def _pattern(path: str) -> re.Pattern[str]:
    parts = [("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p)) for p in path.rstrip("/").split("/")]
    return re.compile("/".join(parts) + "(?:/.*)?")


class RequestLimits:
    def __init__(self, app: ASGIApp, *, default_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 body_caps: Mapping[str, int] | None = None,
                 max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES) -> None:
        self.app = app
        self.default_body_bytes = default_body_bytes
        self.caps = [(_pattern(path), cap) for path, cap in (body_caps or {}).items()]
        self.max_header_bytes = max_header_bytes

    def cap_for(self, path: str) -> int:
        for pattern, cap in self.caps:
            if pattern.fullmatch(path):
                return cap
        return self.default_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        size = sum(len(k) + len(v) for k, v in headers)
        if size > self.max_header_bytes:
            await _answer(send, scope, 431, detail=f"the request's headers are {size} bytes, over the"
                                            f" {self.max_header_bytes} bytes allowed")
            return
        longest = max((len(part) for part in scope["path"].split("/")), default=0)
        if longest > MAX_PATH_SEGMENT:
            await _answer(send, scope, 422, errors=[{
                "loc": ["path"], "msg": f"a part of the path is {longest} characters long; ids in a path are at most"
                                        f" {MAX_PATH_SEGMENT}", "type": "string_too_long"}])
            return
        declared = None
        for name, value in headers:
            if name == b"x-correlation-id" and not CORRELATION_ID.fullmatch(value.decode("latin-1")):
                await _answer(send, scope, 400, **_header_error(
                    "X-Correlation-Id", "header X-Correlation-Id must be 1 to 128 characters of A-Z, a-z, 0-9"
                                        " and . _ : - (or left out, for a new one)", "string_pattern_mismatch"))
                return
            if name == b"content-length":
                declared = value
        cap = self.cap_for(scope["path"])
        if declared is not None:
            if not declared.strip().isdigit():
                await _answer(send, scope, 400, **_header_error(
                    "Content-Length", "header Content-Length must be a whole number of bytes", "int_parsing"))
                return
            if int(declared) > cap:
                await _answer(send, scope, 413, errors=_too_large(cap))
                return
        seen = 0
        overflowed = sent = False

        async def counted() -> Message:
            nonlocal seen, overflowed
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    overflowed = True
                    raise BodyTooLarge(cap)
            return message

        async def watched(message: Message) -> None:
            nonlocal sent
            if overflowed and not sent:
                # Whatever the route made of a body cut off at its cap (FastAPI turns an error while it parses
                # a form into 400 "error parsing the body"), the answer is the 413 below.
                return
            sent = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            # BodyTooLarge, or what it became on its way out (a task group's ExceptionGroup in BaseHTTPMiddleware,
            # when shared.idempotency reads the body outside the routes' error handlers): the answer is the 413.
            if sent or not overflowed:
                raise
        if overflowed and not sent:
            await _answer(send, scope, 413, errors=_too_large(cap))


async def _answer(send: Send, scope: Scope, status_code: int, *, detail: str | None = None,
                  errors: list[dict] | None = None) -> None:
    """A problem (shared.problems) answered before any route: `detail`, else its first error, in a sentence."""
    errors = errors or []
    sentence = detail or summary_of(errors)
    # The caller's correlation id, when it is one this middleware lets in (a bad one is not echoed).
    correlation_id = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-correlation-id"), None)
    if correlation_id is not None and not CORRELATION_ID.fullmatch(correlation_id):
        correlation_id = None
    body = json.dumps(problem_body(status_code, sentence, errors=errors, instance=scope["path"],
                                   correlation_id=correlation_id)).encode()
    # No "Connection: close": uvicorn then discards, unread and unstored, whatever of the body is still on its
    # way once the answer is complete, so a client that sends its whole body before reading gets the answer.
    await send({"type": "http.response.start", "status": status_code,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
