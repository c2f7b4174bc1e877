"""queries.events in: disputes hold an invoice and stop its clock; effects raise corrections.

A query's event about an invoice invoicing cannot act on (unknown, paid, void) is logged and
dropped, not retried: nothing later would make it succeed. An effect that cannot be done is
answered with InvoiceCorrectionRefused, so the query shows why.
"""
from __future__ import annotations

from dataclasses import replace

import asyncpg

from contracts import invoicing as out
from contracts import queries as contract
from shared.clock import london_date
from shared.consumer import Context, EventConsumer
from shared.logging import get_logger
from services.invoicing.config import config
from services.invoicing.domain.disputes import close_dispute, open_dispute
from services.invoicing.domain.errors import IllegalTransition, InvalidInvoiceInput
from services.invoicing.domain.invoice import InvoiceKind, InvoiceStatus
from services.invoicing.steps.corrections import correction_by_amount, issue
from services.invoicing.steps.validation import announce_outcome, load_locked, recheck_held
from services.invoicing.store import invoices as store_invoices

log = get_logger(__name__)


CorrectionRequested = contract.CreditNoteRequested | contract.SupplementaryPaymentRequested


async def on_dispute_opened(conn: asyncpg.Connection, event: contract.DisputeOpened,
                            ctx: Context[contract.DisputeOpened]) -> None:
    filed = await store_invoices.load(conn, event.invoice_id, for_update=True)
    if filed is None or filed.invoice.provider_ref != event.provider_id:
        log.warning("dispute of an invoice invoicing does not hold", invoice_id=event.invoice_id,
                    query_id=event.query_id)
        return
    opened_on = max(london_date(ctx.envelope.occurred_at), filed.invoice.received_on)
    try:
        disputed = open_dispute(filed.invoice, query_ref=event.query_id, opened_on=opened_on,
                                by=ctx.envelope.actor.id)
    except IllegalTransition as refused:
        log.warning("dispute not applied", invoice_id=event.invoice_id, query_id=event.query_id, why=str(refused))
        return
    after = replace(filed, invoice=disputed)
    await store_invoices.save_state(conn, after, ctx.envelope.actor)
    await announce_outcome(conn, ctx.outbox, ctx.cause, after)


async def on_dispute_closed(conn: asyncpg.Connection, event: contract.DisputeClosed,
                            ctx: Context[contract.DisputeClosed]) -> None:
    # Locked as for any recheck (provider facts, agreements, then the row): it is checked again below.
    filed = await load_locked(conn, event.invoice_id)
    if filed is None or not any(d.query_ref == event.query_id for d in filed.invoice.open_disputes):
        log.warning("closed dispute is not open on the invoice", invoice_id=event.invoice_id, query_id=event.query_id)
        return
    opened = max(d.opened_on for d in filed.invoice.open_disputes if d.query_ref == event.query_id)
    closed_on = max(london_date(ctx.envelope.occurred_at), opened)
    invoice = close_dispute(filed.invoice, query_ref=event.query_id, closed_on=closed_on,
                            by=ctx.envelope.actor.id, payment_terms_days=config().payment_terms_days)
    after = replace(filed, invoice=invoice,
                    approval_revision=filed.approval_revision + (invoice.status is InvoiceStatus.APPROVED))
    await store_invoices.save_state(conn, after, ctx.envelope.actor)
    # Held again for its old reasons: rechecks while it was disputed passed it by, so a fact that arrived
    # meanwhile (bank details verified, actuals confirmed, ...) is applied now.
    if after.invoice.status is InvoiceStatus.HELD and not after.invoice.open_disputes and await recheck_held(
            conn, ctx.outbox, ctx.cause, [event.invoice_id], f"dispute {event.query_id} closed"):
        return  # announced by the recheck
    await announce_outcome(conn, ctx.outbox, ctx.cause, after)


async def _correct(conn: asyncpg.Connection, event: CorrectionRequested, ctx: Context[CorrectionRequested],
                   kind: InvoiceKind, invoice_id: str | None) -> None:
    outcome = "credit_note" if kind is InvoiceKind.CREDIT_NOTE else "supplementary_payment"
    if await store_invoices.answering_effect(conn, event.query_id, event.effect_id) is not None:
        return  # already answered (a request repeated under a new event id)
    # Under the provider's facts and agreement locks: the correction is validated on facts no one changes meanwhile.
    original = await load_locked(conn, invoice_id) if invoice_id else None
    why = f"query {event.query_id}: {outcome.replace('_', ' ')} of {event.amount_pence} pence"
    try:
        if original is None or original.invoice.provider_ref != event.provider_id:
            raise InvalidInvoiceInput("invoice_id", f"invoice {invoice_id} of provider {event.provider_id} is not held"
                                                    " by invoicing: name the invoice the correction is for")
        document = await correction_by_amount(conn, original, kind, event.amount_pence,
                                              issued_on=london_date(ctx.envelope.occurred_at),
                                              by=ctx.envelope.actor.id, why=why)
    except (InvalidInvoiceInput, IllegalTransition) as refused:
        await ctx.publish(conn, [out.InvoiceCorrectionRefused(
            query_id=event.query_id, effect_id=event.effect_id, provider_id=event.provider_id, invoice_id=invoice_id,
            outcome=outcome, reason=str(refused))])
        return
    await issue(conn, ctx.outbox, ctx.cause, ctx.envelope.actor, original, [document],
                source="query", query_id=event.query_id, effect_id=event.effect_id)


async def on_credit_note_requested(conn: asyncpg.Connection, event: contract.CreditNoteRequested,
                                   ctx: Context[contract.CreditNoteRequested]) -> None:
    await _correct(conn, event, ctx, InvoiceKind.CREDIT_NOTE, event.invoice_id)


async def on_supplementary_requested(conn: asyncpg.Connection, event: contract.SupplementaryPaymentRequested,
                                     ctx: Context[contract.SupplementaryPaymentRequested]) -> None:
    await _correct(conn, event, ctx, InvoiceKind.SUPPLEMENTARY, event.relates_to_invoice_id)


QUERIES = EventConsumer(
    name="invoicing.queries",
    topic=contract.TOPIC,
    handlers={
        contract.DisputeOpened: on_dispute_opened,
        contract.DisputeClosed: on_dispute_closed,
        contract.CreditNoteRequested: on_credit_note_requested,
        contract.SupplementaryPaymentRequested: on_supplementary_requested,
    },
    description="Disputes (hold, clock stopped; re-approved when closed) and query outcomes (credit notes, "
                "supplementary invoices).",
)
