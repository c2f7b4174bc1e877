"""invoicing.events in: invoices approved for payment (latest revision wins, with the days it charges each
agreement: `agreement_periods`), holds, voids and credit notes.

Never log bank details or names: identifiers only.
"""
from __future__ import annotations

import asyncpg

from contracts import invoicing
from shared.clock import london_date
from shared.consumer import Context, EventConsumer
from shared.logging import get_logger
from services.payments.store import inputs as store

log = get_logger(__name__)


async def on_invoice_document(conn: asyncpg.Connection, event: invoicing.InvoiceIssued | invoicing.InvoiceReceived
                              | invoicing.SupplementaryInvoiceIssued, ctx: Context) -> None:
    """Issued, received or supplementary: recorded for its people and receipt date; paid once approved."""
    received_on = getattr(event, "received_on", None) or london_date(ctx.envelope.occurred_at)
    await store.record_document(conn, event, received_on)


async def on_invoice_approved(conn: asyncpg.Connection, event: invoicing.InvoiceApproved, ctx: Context) -> None:
    if event.kind == "credit_note":
        return  # credit notes reduce payments through CreditNoteIssued, never as an invoice to pay
    if not await store.record_approval(conn, event, london_date(ctx.envelope.occurred_at)):
        log.info("older invoice revision ignored", invoice_id=event.invoice_id, revision=event.revision)
        return
    paid_by = await store.is_settled(conn, event.invoice_id)
    if paid_by:
        log.warning("invoice re-approved after it was put in an approved run; the run stands",
                    invoice_id=event.invoice_id, run_id=paid_by, revision=event.revision)


async def on_invoice_held(conn: asyncpg.Connection, event: invoicing.InvoiceHeld, ctx: Context) -> None:
    await store.set_invoice_state(conn, event.invoice_id, event.provider_id, "held")


async def on_invoice_voided(conn: asyncpg.Connection, event: invoicing.InvoiceVoided, ctx: Context) -> None:
    await store.set_invoice_state(conn, event.invoice_id, event.provider_id, "voided")
    await store.void_credit_note(conn, event.invoice_id)
    paid_by = await store.is_settled(conn, event.invoice_id)
    if paid_by:
        log.warning("voided document is in an approved run: finance must recover it", invoice_id=event.invoice_id,
                    run_id=paid_by)


async def on_credit_note(conn: asyncpg.Connection, event: invoicing.CreditNoteIssued, ctx: Context) -> None:
    await store.record_credit_note(conn, event)


INVOICES = EventConsumer(
    name="payments.invoices",
    topic=invoicing.TOPIC,
    handlers={invoicing.InvoiceIssued: on_invoice_document, invoicing.InvoiceReceived: on_invoice_document,
              invoicing.SupplementaryInvoiceIssued: on_invoice_document,
              invoicing.InvoiceApproved: on_invoice_approved, invoicing.InvoiceHeld: on_invoice_held,
              invoicing.InvoiceVoided: on_invoice_voided, invoicing.CreditNoteIssued: on_credit_note},
    description="Invoices approved for payment (latest revision wins), holds, voids and credit notes.",
)
