"""Gapless invoice numbers: one row per (provider, series), advanced in the caller's transaction.

Rows are locked in one order (provider, series) before they are advanced, so two transactions
numbering overlapping providers wait for each other instead of deadlocking; the second sees the
first's numbers once it commits, and a rollback returns the numbers with the invoices.
"""
from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from services.invoicing.domain.numbering import Series


async def allocate_numbers(conn: asyncpg.Connection, wanted: Mapping[tuple[str, Series], int]
                           ) -> dict[tuple[str, Series], range]:
    """`wanted[(provider, series)]` consecutive numbers for each key, after the last issued."""
    keys = sorted((k for k, n in wanted.items() if n > 0), key=lambda k: (k[0], k[1].value))
    if not keys:
        return {}
    providers, series, counts = [k[0] for k in keys], [k[1].value for k in keys], [wanted[k] for k in keys]
    await conn.execute("INSERT INTO invoice_number_sequence (provider_id, series)"
                       " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING", providers, series)
    await conn.execute(
        "SELECT 1 FROM invoice_number_sequence s JOIN unnest($1::text[], $2::text[]) AS k(provider_id, series)"
        " USING (provider_id, series) ORDER BY s.provider_id, s.series FOR UPDATE OF s", providers, series)
    rows = await conn.fetch(
        "UPDATE invoice_number_sequence s SET last_issued = s.last_issued + k.n"
        " FROM unnest($1::text[], $2::text[], $3::int[]) AS k(provider_id, series, n)"
        " WHERE s.provider_id = k.provider_id AND s.series = k.series"
        " RETURNING s.provider_id, s.series, s.last_issued, k.n", providers, series, counts)
    return {(r["provider_id"], Series(r["series"])): range(r["last_issued"] - r["n"] + 1, r["last_issued"] + 1)
            for r in rows}


async def last_issued(conn: asyncpg.Connection, provider_id: str, series: Series) -> int | None:
    """The last number issued (no lock: for a preview, which issues nothing)."""
    return await conn.fetchval("SELECT last_issued FROM invoice_number_sequence WHERE provider_id = $1"
                               " AND series = $2", provider_id, series.value)
