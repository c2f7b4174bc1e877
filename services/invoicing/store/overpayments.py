"""SQL of overpayment credits: which invoices charged days after an agreement's end, and what was
already credited back for them (`overpayment_credits`)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from services.invoicing.domain.overpayments import EarlierCredit

# Every document that charges (originals, provider invoices, supplementaries), not a credit note or a void one.
_CHARGING = "i.kind <> 'credit_note' AND i.status <> 'void'"


async def charging_after(conn: asyncpg.Connection, agreement_id: str, ended_on: date,
                         invoice_ids: Sequence[str] | None = None) -> list[str]:
    """Invoices naming the agreement whose period runs past `ended_on` (of `invoice_ids`, when given)."""
    return [r[0] for r in await conn.fetch(
        f"SELECT i.invoice_id FROM invoices i WHERE i.agreement_ids @> ARRAY[$1::text] AND {_CHARGING}"
        " AND i.period_last > $2 AND ($3::text[] IS NULL OR i.invoice_id = ANY($3::text[])) ORDER BY i.invoice_id",
        agreement_id, ended_on, list(invoice_ids) if invoice_ids is not None else None)]


async def ended_within(conn: asyncpg.Connection, invoice_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(provider, agreement) of these invoices whose agreement on file ended before the invoice's last day."""
    rows = await conn.fetch(
        "SELECT DISTINCT i.provider_id, a.agreement_id FROM invoices i"
        " CROSS JOIN LATERAL unnest(i.agreement_ids) AS x(agreement_id)"
        " JOIN agreements_on_file a ON a.agreement_id = x.agreement_id"
        f" WHERE i.invoice_id = ANY($1::text[]) AND {_CHARGING} AND a.end_on < i.period_last"
        " ORDER BY 1, 2", list(invoice_ids))
    return [(r[0], r[1]) for r in rows]


async def earlier_credits(conn: asyncpg.Connection, invoice_id: str, agreement_id: str) -> list[EarlierCredit]:
    rows = await conn.fetch("SELECT ended_on, days, amount_pence FROM overpayment_credits WHERE invoice_id = $1"
                            " AND agreement_id = $2 ORDER BY ended_on", invoice_id, agreement_id)
    return [EarlierCredit(r["ended_on"], r["days"], r["amount_pence"]) for r in rows]


async def record(conn: asyncpg.Connection, credit_note_id: str, invoice_id: str, agreement_id: str, ended_on: date,
                 days: int, amount_pence: int) -> None:
    await conn.execute(
        "INSERT INTO overpayment_credits (credit_note_id, invoice_id, agreement_id, ended_on, days, amount_pence)"
        " VALUES ($1, $2, $3, $4, $5, $6)", credit_note_id, invoice_id, agreement_id, ended_on, days, amount_pence)


async def credited_for_others(conn: asyncpg.Connection, invoice_id: str, agreement_id: str) -> int:
    """Overpayments credited on the invoice for the end of another agreement (credit notes not void)."""
    return await conn.fetchval(
        "SELECT coalesce(sum(o.amount_pence), 0)::bigint FROM overpayment_credits o"
        " JOIN invoices n ON n.invoice_id = o.credit_note_id WHERE o.invoice_id = $1 AND o.agreement_id <> $2"
        " AND n.status <> 'void'", invoice_id, agreement_id)
