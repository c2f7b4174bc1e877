"""payments.events in: an approved run schedules its invoices, the bank's answers mark them paid or
returned. Run events and invoice events travel under different keys (run_id, invoice_id), so
InvoicePaid may come before the run's approval: a paid invoice not yet scheduled is scheduled by
that run first. A step that no longer applies (a voided or already-paid invoice) is logged, not retried.
An invoice that becomes scheduled or paid after its agreement's end was known gets back what it charged
for days after the end (`steps/overpayments.py`; the ended agreements' locks are taken before the rows).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import asyncpg

from contracts import invoicing as out
from contracts import payments as contract
from shared.consumer import Context, EventConsumer
from shared.events import Cause
from shared.logging import get_logger
from shared.records import Incoming
from services.invoicing.domain.errors import IllegalTransition
from services.invoicing.domain.invoice import Invoice, InvoiceStatus
from services.invoicing.domain.lifecycle import mark_paid, return_payment, schedule
from services.invoicing.steps.overpayments import lock_ended, recover_invoices
from services.invoicing.steps.validation import SYSTEM, count_outcome
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import Filed

log = get_logger(__name__)


async def _each(conn: asyncpg.Connection, ctx: Context, invoice_ids: list[str],
                step: Callable[[Invoice], Invoice | None]) -> list[Filed]:
    """Apply `step` to each invoice (None: nothing to do); keep and return those it moved."""
    moved = []
    for filed in await store_invoices.load_many(conn, invoice_ids, for_update=True):
        try:
            after = step(filed.invoice)
        except IllegalTransition as refused:
            log.warning("payments step not applied", invoice_id=filed.invoice.invoice_id, why=str(refused),
                        event_type=ctx.envelope.event_type)
            continue
        if after is not None:
            moved.append(replace(filed, invoice=after))
    for filed in moved:
        await store_invoices.save_state(conn, filed, ctx.envelope.actor)
    return moved


async def _recover(conn: asyncpg.Connection, ctx: Context, moved: list[Filed]) -> None:
    """Scheduled or paid now: days charged after an agreement's end already known are credited back."""
    await recover_invoices(conn, ctx.outbox, Cause.from_envelope(ctx.envelope, SYSTEM),
                           [f.invoice.invoice_id for f in moved])


async def on_run_approved(conn: asyncpg.Connection, event: contract.PaymentRunApproved,
                          ctx: Context[contract.PaymentRunApproved]) -> None:
    by = ctx.envelope.actor.id

    def step(invoice: Invoice) -> Invoice | None:
        if invoice.payment_run_id == event.run_id:
            return None  # already scheduled by this run (InvoicePaid came first)
        return schedule(invoice, payment_run_id=event.run_id, by=by)

    moved = await _each(conn, ctx, event.invoice_ids, step)
    for filed in moved:
        count_outcome(filed.invoice, "scheduled")
    await ctx.publish(conn, [out.InvoiceScheduled(
        invoice_id=f.invoice.invoice_id, provider_id=f.invoice.provider_ref, run_id=event.run_id) for f in moved])
    await _recover(conn, ctx, moved)


async def on_invoice_paid(conn: asyncpg.Connection, event: contract.InvoicePaid,
                          ctx: Context[contract.InvoicePaid]) -> None:
    by = ctx.envelope.actor.id

    def step(invoice: Invoice) -> Invoice | None:
        if invoice.status is InvoiceStatus.PAID:
            return None
        if invoice.status is InvoiceStatus.APPROVED:
            invoice = schedule(invoice, payment_run_id=event.run_id, by=by)
        return mark_paid(invoice, paid_on=event.paid_on, by=by)

    moved = await _each(conn, ctx, [event.invoice_id], step)
    for filed in moved:
        count_outcome(filed.invoice, "paid")
    await _recover(conn, ctx, moved)


async def on_payment_returned(conn: asyncpg.Connection, event: contract.PaymentReturned,
                              ctx: Context[contract.PaymentReturned]) -> None:
    by = ctx.envelope.actor.id

    def step(invoice: Invoice) -> Invoice:
        return return_payment(invoice, payment_run_id=event.run_id, reason=event.reason,
                              returned_on=event.returned_on, by=by)

    for filed in await _each(conn, ctx, event.invoice_ids, step):
        count_outcome(filed.invoice, "returned")


async def lock_batch(conn: asyncpg.Connection, items: list[Incoming]) -> None:
    """Before any invoice row of the batch is locked: the provider facts, then the agreement locks, of the
    invoices to be scheduled or paid whose agreement has ended before their last day."""
    ids: list[str] = []
    for item in items:
        if isinstance(item.event, contract.PaymentRunApproved):
            ids += item.event.invoice_ids
        elif isinstance(item.event, contract.InvoicePaid):
            ids.append(item.event.invoice_id)
    if ids:
        await lock_ended(conn, ids)


PAYMENTS = EventConsumer(
    before_handlers=lock_batch,
    name="invoicing.payments",
    topic=contract.TOPIC,
    handlers={
        contract.PaymentRunApproved: on_run_approved,
        contract.InvoicePaid: on_invoice_paid,
        contract.PaymentReturned: on_payment_returned,
    },
    description="Payment runs approved (invoices scheduled), invoices paid, payments returned (payable again).",
)
