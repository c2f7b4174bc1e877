"""Compare two reporting schemas' aggregate rows (a rebuild with the live one)."""
from __future__ import annotations

import asyncpg

from services.reporting.domain.aggregates import AGGREGATES


async def differences(conn: asyncpg.Connection, live: str, rebuilt: str) -> dict[str, int]:
    """Per aggregate table, how many keys have different figures (rows of all zeros count as absent)."""
    out = {}
    for table, (keys, values) in AGGREGATES.items():
        nonzero = " OR ".join(f"{v} <> 0" for v in values)
        differ = " OR ".join(f"coalesce(a.{v}, 0) <> coalesce(b.{v}, 0)" for v in values)
        out[table] = await conn.fetchval(
            f'SELECT count(*) FROM (SELECT * FROM "{live}".{table} WHERE {nonzero}) a'
            f' FULL JOIN (SELECT * FROM "{rebuilt}".{table} WHERE {nonzero}) b USING ({", ".join(keys)})'
            f" WHERE {differ}")
    return out


async def totals(conn: asyncpg.Connection, schema: str) -> dict[str, int]:
    """All-time delivered, invoiced and paid pence, and counts of the other read models, for a summary."""
    row = await conn.fetchrow(
        f'SELECT coalesce(sum(delivered_pence), 0) AS delivered_pence, coalesce(sum(invoiced_pence), 0) AS'
        f' invoiced_pence, coalesce(sum(paid_pence), 0) AS paid_pence FROM "{schema}".spend'
        " WHERE grain = 'provider' AND period_kind = 'month'")
    counts = {f"{t}_rows": await conn.fetchval(f'SELECT count(*) FROM "{schema}".{t}') for t in AGGREGATES}
    return {**{k: int(v) for k, v in row.items()}, **counts}
