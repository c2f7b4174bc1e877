"""Invoices' facts, as both invoicing.events and payments.events change them.

Each event gives steps `(invoice_id, step)`; the invoices they name are loaded and locked, stepped in
order, and the difference of their contributions goes to the batch's deltas. An invoice holds a
placeholder dim for each agreement it reports under, so an agreement heard of later moves its figures.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from services.reporting.domain import invoices
from services.reporting.domain.aggregates import SEVERAL_PEOPLE, Deltas
from services.reporting.domain.dims import AgreementDim
from services.reporting.domain.invoices import Invoice, reported_under
from services.reporting.store import dims as store_dims, facts as store_facts

InvoiceStep = tuple[str, Callable[[Invoice], Invoice | None]]


async def apply_to_invoices(conn: asyncpg.Connection, steps: Sequence[InvoiceStep], providers: dict[str, str],
                            deltas: Deltas, also: Sequence[AgreementDim] = ()) -> dict[str, AgreementDim]:
    """Step the invoices; return the dims locked for them and for the placeholders `also` (locked in the
    same statement, so every batch takes its dim locks in one order)."""
    held = await store_facts.invoices(conn, [Invoice(i, providers[i]) for i, _ in steps])
    after = dict(held)
    for invoice_id, step in steps:
        after[invoice_id] = step(after[invoice_id]) or after[invoice_id]
    # Placeholders for the agreements an invoice reports under, so an agreement heard of later moves it.
    named = [AgreementDim(a, i.person_refs[0] if len(i.person_refs) == 1 else SEVERAL_PEOPLE, i.provider_id)
             for k, v in after.items() if held[k] != v for i in (held[k], v) for a in reported_under(i)]
    dims = await store_dims.lock(conn, [*named, *also])
    changed = deltas.track(held, after, lambda i: invoices.contributions(i, dims))
    await store_facts.save_invoices(conn, changed.values())
    return dims
