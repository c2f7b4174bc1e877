"""Helpers for HTTP entrypoints: the runtime, a transaction, and the cause of a change.

Errors are answered as problems (shared.problems); `install_error_handlers` lives in shared.error_handlers
and is re-exported here for the callers that know it by this name."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import HTTPException, Request, status

from contracts.envelope import Actor
from shared.auth import Principal
from shared.error_handlers import install_error_handlers
from shared.events import Cause

__all__ = ["ALSO_CSV", "MAX_OFFSET", "cause_of", "install_error_handlers", "not_found", "runtime_of", "transaction"]

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
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready",
                            headers={"Retry-After": "2"})
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
