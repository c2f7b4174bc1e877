"""`carepay outbox set-aside SERVICE`: the outbox rows Kafka refused, which the relay set aside unsent."""
from __future__ import annotations

import asyncio
import json

import asyncpg
import typer

from contracts.topics import SERVICES
from shared.settings import settings_for

app = typer.Typer(help="The transactional outbox: rows set aside.", no_args_is_help=True)


async def set_aside_rows(conn: asyncpg.Connection, schema: str, limit: int = 100) -> list[dict]:
    """The set-aside rows of `schema`'s outbox, oldest first: what, how big and why, never the value."""
    rows = await conn.fetch(
        f'SELECT id, event_id, topic, key, event_type, octet_length(value) AS bytes, set_aside_error AS error,'
        f' created_at, set_aside_at FROM "{schema}".outbox WHERE set_aside_at IS NOT NULL ORDER BY id LIMIT $1',
        limit)
    return [{"id": r["id"], "event_id": str(r["event_id"]), "topic": r["topic"], "key": r["key"],
             "event_type": r["event_type"], "bytes": r["bytes"], "error": r["error"],
             "created_at": r["created_at"].isoformat(), "set_aside_at": r["set_aside_at"].isoformat()}
            for r in rows]


@app.command("set-aside")
def set_aside(service: str, limit: int = 100) -> None:
    """Print each outbox row Kafka refused (one JSON line each): id, topic, key, event type, size, error, times."""
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    settings = settings_for(service)

    async def go() -> list[dict]:
        conn = await asyncpg.connect(settings.database_url)
        try:
            return await set_aside_rows(conn, settings.schema, limit)
        finally:
            await conn.close()

    rows = asyncio.run(go())
    for row in rows:
        typer.echo(json.dumps(row))
    typer.echo(f"{len(rows)} row(s) set aside in {service}'s outbox", err=True)
