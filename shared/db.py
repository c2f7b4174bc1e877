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
                      timeout: float = 5.0) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (plus pg_catalog) by default.

    Services write unqualified SQL; the search_path keeps each service in its own schema.
    """
    return await asyncpg.create_pool(
        database_url,
        min_size=1,
        max_size=max_size,
        timeout=timeout,
        command_timeout=60,
        init=_init_connection,
        server_settings={"search_path": schema, "application_name": f"carepay-{service}"},
    )


# What a lost or unreachable database raises: the request or batch can be tried again later.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ConnectionError, asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError, asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.ConnectionFailureError, asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError, TimeoutError)


def is_connection_error(exc: BaseException) -> bool:
    """True for errors that mean 'the database is not reachable right now' (retry, don't dead-letter)."""
    return isinstance(exc, CONNECTION_ERRORS)
