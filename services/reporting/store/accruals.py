"""SQL of month-end accruals: the weeks delivery confirmed, and what the accruals are read from (verified
visits by confirmed or not, invoices approved by a date, the dims they count under)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import asyncpg

from services.reporting.domain.invoices import Invoice


async def save_confirmed_weeks(conn: asyncpg.Connection, weeks: Iterable[tuple[str, date, date]]) -> None:
    """(agreement_id, week_start, confirmed_on): a week is kept once, from its first confirmation read."""
    rows = sorted(set(weeks))
    if rows:
        await conn.execute(
            "INSERT INTO confirmed_week (agreement_id, week_start, confirmed_on)"
            " SELECT * FROM unnest($1::text[], $2::date[], $3::date[]) ON CONFLICT DO NOTHING",
            *[[row[i] for row in rows] for i in range(3)])


async def delivered(conn: asyncpg.Connection, as_at: date) -> list[tuple[str, bool, int]]:
    """(agreement_id, week confirmed on or before `as_at`?, pence) of the verified visits dated on or before it."""
    rows = await conn.fetch(
        "SELECT v.agreement_id, c.agreement_id IS NOT NULL AS confirmed, sum(v.amount_pence)::bigint AS pence"
        " FROM visit_fact v LEFT JOIN confirmed_week c ON c.agreement_id = v.agreement_id"
        "  AND c.week_start = v.local_date - (extract(isodow FROM v.local_date)::int - 1) AND c.confirmed_on <= $1"
        " WHERE v.local_date <= $1 GROUP BY 1, 2 ORDER BY 1, 2", as_at)
    return [(r["agreement_id"], r["confirmed"], r["pence"]) for r in rows]


async def invoices_by(conn: asyncpg.Connection, as_at: date) -> list[Invoice]:
    """Invoices first approved, and credit notes issued, on or before `as_at` (ISO dates compare as text)."""
    rows = await conn.fetch("SELECT state FROM invoice_fact WHERE coalesce(state->>'approved_on',"
                            " CASE WHEN state->>'kind' = 'credit_note' THEN state->>'issued_on' END) <= $1"
                            " ORDER BY invoice_id", as_at.isoformat())
    return [Invoice.from_json(r["state"]) for r in rows]


async def confirmed_weeks(conn: asyncpg.Connection, agreement_ids: Iterable[str], as_at: date
                          ) -> dict[str, set[date]]:
    """Each agreement's weeks starting, and confirmed, on or before `as_at`."""
    rows = await conn.fetch("SELECT agreement_id, week_start FROM confirmed_week"
                            " WHERE agreement_id = ANY($1::text[]) AND week_start <= $2 AND confirmed_on <= $2",
                            sorted(set(agreement_ids)), as_at)
    out: dict[str, set[date]] = {}
    for r in rows:
        out.setdefault(r["agreement_id"], set()).add(r["week_start"])
    return out

