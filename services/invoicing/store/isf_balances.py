"""SQL of what an ISF's balance is made of: its advances (with their credit notes), the spend of its
accepted returns, and the surplus reclaimed after them; and which ISFs a provider or person has."""
from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.domain.isf_balances import AdvanceOnFile, PeriodAmount
from services.invoicing.domain.periods import Period


async def isf_agreement_ids(conn: asyncpg.Connection, *, provider_id: str | None = None,
                            person_refs: Iterable[str] | None = None, after: str | None = None,
                            limit: int = 500) -> list[str]:
    """ISF agreements of a provider and/or people, in id order: at most `limit`, those after the id `after`
    (a page)."""
    people = sorted(set(person_refs)) if person_refs is not None else None
    return [r[0] for r in await conn.fetch(
        "SELECT agreement_id FROM agreements_on_file WHERE mechanism = 'isf'"
        " AND ($1::text IS NULL OR provider_id = $1) AND ($2::text[] IS NULL OR person_ref = ANY($2::text[]))"
        " AND ($3::text IS NULL OR agreement_id > $3) ORDER BY agreement_id LIMIT $4",
        provider_id, people, after, limit)]


async def advances(conn: asyncpg.Connection, agreement_id: str) -> list[AdvanceOnFile]:
    """The agreement's ISF advances, oldest period first, with what credit notes not void took off them."""
    rows = await conn.fetch(
        "SELECT a.invoice_id, a.number, a.period_first, a.period_last, a.status, a.total_pence, a.payment_run_id,"
        " coalesce(sum(c.total_pence), 0)::bigint AS credited,"
        " coalesce(sum(c.total_pence) FILTER (WHERE c.source = 'isf_surplus'), 0)::bigint AS surplus_credited"
        " FROM invoices a LEFT JOIN invoices c ON c.corrects_invoice_id = a.invoice_id AND c.kind = 'credit_note'"
        " AND c.status <> 'void' WHERE a.kind = 'isf_advance' AND a.agreement_id = $1"
        " GROUP BY a.invoice_id ORDER BY a.period_first", agreement_id)
    return [AdvanceOnFile(r["invoice_id"], r["number"], Period(r["period_first"], r["period_last"]),
                          InvoiceStatus(r["status"]), r["total_pence"], r["credited"], r["surplus_credited"],
                          in_run=r["payment_run_id"] is not None or r["status"] == InvoiceStatus.SCHEDULED.value)
            for r in rows]


async def accepted_spend(conn: asyncpg.Connection, agreement_id: str) -> list[PeriodAmount]:
    rows = await conn.fetch("SELECT period_first, period_last, spend_pence FROM isf_returns"
                            " WHERE agreement_id = $1 AND status = 'accepted'", agreement_id)
    return [PeriodAmount(Period(r[0], r[1]), r[2]) for r in rows]


async def reclaimed(conn: asyncpg.Connection, agreement_id: str) -> list[PeriodAmount]:
    """Surplus reclaimed after the agreement's returns, by the return's period (credit notes not void)."""
    rows = await conn.fetch(
        "SELECT r.period_first, r.period_last, c.amount_pence FROM isf_reclaims c JOIN isf_returns r USING (return_id)"
        " JOIN invoices n ON n.invoice_id = c.credit_note_id WHERE r.agreement_id = $1 AND n.status <> 'void'",
        agreement_id)
    return [PeriodAmount(Period(r[0], r[1]), r[2]) for r in rows]
