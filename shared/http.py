"""Helpers for HTTP entrypoints: the runtime, a transaction, and the cause of a change."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse

from contracts.envelope import Actor
from shared.auth import Principal
from shared.db import CONNECTION_ERRORS, CONTENTION_ERRORS
from shared.errors import IllegalState, NotEntitled, RuleBroken
from shared.events import Cause
from shared.redaction import describe

# The largest `offset` a paged list accepts: past any list's length, and inside Postgres's bigint
# (a larger one reached the database and failed the request with a 500).
MAX_OFFSET = 1_000_000_000
# `responses=` for a route that answers CSV when asked (`format=csv`), so its document says so.
ALSO_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


def runtime_of(request: Request):
    return request.app.state.runtime


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction of this service's database, or 503 while it is unavailable."""
    pool = runtime_of(request).pool
    if pool is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready")
    async with pool.acquire() as conn, conn.transaction():
        yield conn


def cause_of(request: Request, principal: Principal, reason: str | None = None) -> Cause:
    """The cause of a change made through the API: the request's flow, the caller, their reason, and the
    request's trace (its SERVER span's traceparent, put there by shared.service's middleware)."""
    return Cause(
        correlation_id=request.state.correlation_id,
        causation_id=request.state.request_id,
        actor=Actor(id=principal.subject, role=principal.role, reason=reason),
        traceparent=getattr(request.state, "traceparent", None),
    )


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} not found")


def install_error_handlers(app: FastAPI) -> None:
    """Answer domain refusals in FastAPI's own error shape, so clients parse one format."""

    @app.exception_handler(RuleBroken)
    async def rule_broken(_request: Request, exc: RuleBroken) -> JSONResponse:
        loc = ["body", *exc.field.split(".")]
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": loc, "msg": exc.rule, "type": "value_error"}]})

    @app.exception_handler(IllegalState)
    async def illegal_state(_request: Request, exc: IllegalState) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(NotEntitled)
    async def not_entitled(_request: Request, exc: NotEntitled) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": f"not permitted: {exc}"})

    # The database went away under the request (a restart, a failover): the caller may try again, as
    # while the service starts; not a fault of the request (500), nor of the service's code.
    async def database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=503, headers={"Retry-After": "2"}, content={
            "detail": f"database unavailable ({type(exc).__name__}): try again in a few seconds"})

    for error in CONNECTION_ERRORS:
        app.add_exception_handler(error, database_unavailable)

    # Postgres undid this request's transaction for contention (a deadlock with a consumer's batch, a
    # serialisation failure, a lock or statement timeout): nothing of it was kept, and the same request
    # will go through in a moment.
    async def try_again(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=503, headers={"Retry-After": "1"}, content={
            "detail": "the request met other work on the same records, or ran out of time, and was undone; "
                      "nothing was changed: send it again"})

    for error in CONTENTION_ERRORS:  # the classification consumers use too (shared.db.transient_kind)
        app.add_exception_handler(error, try_again)

    # Input no route checks for, that fails only where it meets Postgres or date arithmetic: the
    # caller's to fix (422), not a fault of the service (500).
    @app.exception_handler(asyncpg.exceptions.DataError)
    @app.exception_handler(OverflowError)
    async def unusable_input(_request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, asyncpg.exceptions.CharacterNotInRepertoireError):
            msg = "text may not contain a NUL character (\\u0000, %00): remove it"
        elif isinstance(exc, OverflowError) or str(exc).startswith("invalid input for query argument"):
            msg = f"a date or number is outside the range this service works with ({describe(exc, limit=200)})"
        else:
            raise exc  # a data error of the service's own making: a 500, logged
        return JSONResponse(status_code=422, content={"detail": [{"loc": ["request"], "msg": msg,
                                                                  "type": "value_error"}]})
