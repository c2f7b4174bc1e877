"""Reads for the prompt-payment notice and the transparency lists."""
from __future__ import annotations

from datetime import date

import asyncpg

from services.payments.domain.payment_run import PaymentRun
from services.payments.domain.prompt_payment import InvoiceTimeline
from services.payments.store.runs import LINE_READ, payments_from_rows, run_from_rows

# An invoice is paid on its run's pay date once the bank confirmed the payment (and did not return it).
_TIMELINES = """
WITH paid AS (
    SELECT l.settles AS invoice_id, r.pay_date AS paid_on, sum(l.amount_pence) AS paid_pence
    FROM payment_runs r
    JOIN run_payments p ON p.run_id = r.run_id AND p.outcome = 'paid'
    JOIN run_lines l ON l.run_id = p.run_id AND l.payment_reference = p.payment_reference
    WHERE r.status = 'approved' AND r.pay_date BETWEEN $1 AND $2 AND l.kind IN ('invoice', 'credit_note')
    GROUP BY 1, 2)
SELECT i.invoice_id, i.provider_id, i.amount_pence, i.received_on, i.valid_on, i.approved_on, paid.paid_on,
       paid.paid_pence
FROM invoices i LEFT JOIN paid USING (invoice_id)
WHERE i.state <> 'voided' AND i.received_on IS NOT NULL AND i.valid_on IS NOT NULL
  AND (i.valid_on BETWEEN $1 AND $2 OR paid.paid_on IS NOT NULL)
  AND ($3::text IS NULL OR i.provider_id = $3)
"""


async def timelines(conn: asyncpg.Connection, start: date, end: date, provider: str | None) -> list[InvoiceTimeline]:
    """Invoices paid in [start, end], or that became payable in it (paid later counts as not paid in it)."""
    rows = await conn.fetch(_TIMELINES, start, end, provider)
    return [InvoiceTimeline(r["invoice_id"], r["provider_id"],
                            r["paid_pence"] if r["paid_on"] is not None else r["amount_pence"],
                            r["received_on"], r["valid_on"], r["approved_on"], r["paid_on"]) for r in rows]


async def provider_names(conn: asyncpg.Connection, provider_ids: list[str]) -> dict[str, str]:
    rows = await conn.fetch("SELECT provider_id, name FROM payees WHERE provider_id = ANY($1::text[])", provider_ids)
    return {r["provider_id"]: r["name"] for r in rows if r["name"]}


async def runs_paying_over(conn: asyncpg.Connection, threshold_pence: int, start: date, end: date) -> list[PaymentRun]:
    """Approved runs paying in [start, end], with just their provider payments above the threshold
    that were not returned (what a transparency list publishes)."""
    headers = await conn.fetch("SELECT * FROM payment_runs WHERE status = 'approved' AND pay_date BETWEEN $1 AND $2"
                               " ORDER BY pay_date, run_number", start, end)
    ids = [h["run_id"] for h in headers]
    payments = await conn.fetch(
        "SELECT * FROM run_payments WHERE run_id = ANY($1::text[]) AND payee_kind = 'provider' AND amount_pence > $2"
        " AND outcome <> 'returned' ORDER BY run_id, seq", ids, threshold_pence)
    keys = [(p["run_id"], p["payment_reference"]) for p in payments]
    lines = await conn.fetch(
        "SELECT l.run_id, " + LINE_READ.removeprefix("SELECT ").replace("FROM run_lines", "FROM run_lines l") +
        " JOIN unnest($1::text[], $2::text[]) AS k(run_id, payment_reference) USING (run_id, payment_reference)"
        " ORDER BY l.run_id, l.seq", [k[0] for k in keys], [k[1] for k in keys])
    runs = []
    for h in headers:
        mine = [p for p in payments if p["run_id"] == h["run_id"]]
        theirs = [tuple(ln)[1:] for ln in lines if ln["run_id"] == h["run_id"]]
        runs.append(run_from_rows(h, payments_from_rows(mine, theirs), [], []))
    return runs
