"""asyncpg pool bound to one service's own schema."""
from __future__ import annotations

import json

import asyncpg
from pydantic_core import PydanticSerializationError, from_json, to_json


# pydantic-core's JSON is ~5x the speed of the json module both ways (~8 us saved for every outbox row
# the relay writes and reads back on the delivery stream). A string it cannot encode (a lone surrogate
# from a provider's feed) goes through the json module as before, so Postgres rejects it as it did.
def _jsonb_encode(value) -> bytes:
    try:
        return b"\x01" + to_json(value)
    except PydanticSerializationError:
        return b"\x01" + json.dumps(value, separators=(",", ":")).encode()


def _jsonb_decode(data: bytes):
    return from_json(data[1:])


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects; binary format so COPY can write jsonb columns too.
    await conn.set_type_codec("jsonb", encoder=_jsonb_encode, decoder=_jsonb_decode, schema="pg_catalog",
                              format="binary")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(database_url: str, schema: str, *, service: str, max_size: int = 10,
                      timeout: float = 5.0, statement_timeout_ms: int = 120_000, lock_timeout_ms: int = 30_000,
                      idle_in_transaction_timeout_ms: int = 60_000) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (plus pg_catalog) by default.

    Services write unqualified SQL; the search_path keeps each service in its own schema. TLS is what
    `database_url` says: asyncpg reads `sslmode` (verify-full in production), `sslrootcert`, `sslcert`
    and `sslkey` from it, as every other connection made from DATABASE_URL does.
    """
    return await asyncpg.create_pool(
        database_url,
        min_size=1,
        max_size=max_size,
        timeout=timeout,
        command_timeout=60,
        init=_init_connection,
        # Every session is bounded: a statement, a wait for a lock, and a transaction left idle (a client
        # stuck between statements holds its locks from everyone) end with an error that is retried.
        server_settings={"search_path": schema, "application_name": f"carepay-{service}",
                         "statement_timeout": str(statement_timeout_ms), "lock_timeout": str(lock_timeout_ms),
                         "idle_in_transaction_session_timeout": str(idle_in_transaction_timeout_ms)},
    )


# What a lost or unreachable database raises: the request or batch can be tried again later.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ConnectionError, asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError, asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.ConnectionFailureError, asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError, TimeoutError)


# What Postgres undid for contention or ran out of time for: a deadlock victim, a transaction it could not
# serialise, a lock or statement timeout. Nothing of the work was kept, and the same work goes through later.
CONTENTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.LockNotAvailableError, asyncpg.exceptions.QueryCanceledError)


def transient_kind(exc: BaseException) -> str | None:
    """The one classification of failures that HTTP and consumers share.

    "database_unavailable" (unreachable, lost, timed out on the way) and "contention" (deadlock,
    serialisation failure, lock or statement timeout) are transient: not the request's or the
    message's fault, so the same work is tried again later (HTTP: 503 with Retry-After; a consumer:
    retried with backoff, never dead-lettered). None: deterministic, the work's own failure.
    """
    if isinstance(exc, CONNECTION_ERRORS):
        return "database_unavailable"
    if isinstance(exc, CONTENTION_ERRORS):
        return "contention"
    return None
