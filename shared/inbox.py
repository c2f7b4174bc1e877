"""The inbox: a consumer records what it applied in the same transaction as the effect.

Enveloped events are recorded by event id (`claim`): a copy published again, at another offset, is
still the same event. A raw topic's records have no id but their place, so its consumer keeps one
mark per partition instead (`claim_offsets`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

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


class Placed(Protocol):
    topic: str
    partition: int
    offset: int


async def claim_offsets(conn: asyncpg.Connection, consumer: str, items: Sequence[Placed]) -> list:
    """The items (in order) past each partition's mark for `consumer`, the marks moved past them.

    The marks are locked for the transaction, so an instance still finishing a partition that a
    rebalance gave to another waits for it and then finds its records applied. (The first batch a
    partition ever has takes no lock: there the stored records' own keys refuse a second copy.)
    """
    if not items:
        return []
    parts = sorted({(i.topic, i.partition) for i in items})
    rows = await conn.fetch(
        'SELECT topic, "partition", last_offset FROM inbox_offsets WHERE consumer = $1'
        '   AND (topic, "partition") IN (SELECT * FROM unnest($2::text[], $3::integer[]))'
        ' ORDER BY topic, "partition" FOR UPDATE',
        consumer, [t for t, _ in parts], [p for _, p in parts])
    marks = {(r["topic"], r["partition"]): r["last_offset"] for r in rows}
    fresh, seen = [], set()
    for item in items:
        place = (item.topic, item.partition)
        if item.offset > marks.get(place, -1) and (place, item.offset) not in seen:
            seen.add((place, item.offset))
            fresh.append(item)
    last: dict[tuple[str, int], int] = {}
    for item in fresh:
        place = (item.topic, item.partition)
        last[place] = max(last.get(place, -1), item.offset)
    if last:
        keys = sorted(last)
        await conn.execute(
            'INSERT INTO inbox_offsets (consumer, topic, "partition", last_offset)'
            " SELECT $1, * FROM unnest($2::text[], $3::integer[], $4::bigint[])"
            ' ON CONFLICT (consumer, topic, "partition") DO UPDATE'
            "   SET last_offset = greatest(inbox_offsets.last_offset, EXCLUDED.last_offset), updated_at = now()",
            consumer, [k[0] for k in keys], [k[1] for k in keys], [last[k] for k in keys])
    return fresh
