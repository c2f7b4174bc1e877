"""The inbox: a consumer records each message id in the same transaction as its effect."""
from __future__ import annotations

from collections.abc import Sequence

import asyncpg


async def claim(conn: asyncpg.Connection, consumer: str, message_ids: Sequence[str]) -> set[str]:
    """Record `message_ids` for `consumer`; return those not seen before.

    Runs inside the transaction of the effect, so a redelivered message (seen and committed
    before) comes back as already claimed and changes nothing.
    """
    if not message_ids:
        return set()
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, message_id) SELECT $1, unnest($2::text[])"
        " ON CONFLICT DO NOTHING RETURNING message_id",
        consumer,
        list(message_ids),
    )
    return {r["message_id"] for r in rows}
