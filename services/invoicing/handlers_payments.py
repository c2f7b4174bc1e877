"""payments.events in: an approved run schedules its invoices, the bank's answers mark them paid or
returned. Run events and invoice events travel under different keys (run_id, invoice_id), so
InvoicePaid may come before the run's approval: a paid invoice not yet scheduled is scheduled by
that run first. A step that no longer applies (a voided or already-paid invoice) is logged, not retried.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import asyncpg

from contracts import invoicing as out
from contracts import payments as contract
from contracts.envelope import Actor
from shared.consumer import Consumer, Incoming
from shared.events import Cause
from shared.logging import get_logger
from services.invoicing import store_invoices
from services.invoicing.domain.errors import IllegalTransition
from services.invoicing.domain.invoice import Invoice, InvoiceStatus
from services.invoicing.domain.lifecycle import mark_paid, return_payment, schedule
from services.invoicing.invoice_rows import Filed
from services.invoicing.validating import count_outcome

log = get_logger(__name__)


def _actor(message: Incoming) -> Actor:
    return message.envelope.actor


async def _each(conn: asyncpg.Connection, message: Incoming, invoice_ids: list[str],
                step: Callable[[Invoice], Invoice | None]) -> list[Filed]:
    """Apply `step` to each invoice (None: nothing to do); keep and return those it moved."""
    moved = []
    for filed in await store_invoices.load_many(conn, invoice_ids, for_update=True):
        try:
            after = step(filed.invoice)
        except IllegalTransition as refused:
            log.warning("payments step not applied", invoice_id=filed.invoice.invoice_id, why=str(refused),
                        event_type=message.envelope.event_type)
            continue
        if after is not None:
            moved.append(replace(filed, invoice=after))
    for filed in moved:
        await store_invoices.save_state(conn, filed, _actor(message))
    return moved


async def on_run_approved(conn: asyncpg.Connection, message: Incoming) -> None:
    event: contract.PaymentRunApproved = message.event  # type: ignore[assignment]
    by = _actor(message).id

    def step(invoice: Invoice) -> Invoice | None:
        if invoice.payment_run_id == event.run_id:
            return None  # already scheduled by this run (InvoicePaid came first)
        return schedule(invoice, payment_run_id=event.run_id, by=by)

    moved = await _each(conn, message, event.invoice_ids, step)
    for filed in moved:
        count_outcome(filed.invoice, "scheduled")
    await PAYMENTS.runtime.outbox.publish(conn, [out.InvoiceScheduled(
        invoice_id=f.invoice.invoice_id, provider_id=f.invoice.provider_ref, run_id=event.run_id) for f in moved],
        Cause.from_envelope(message.envelope))


async def on_invoice_paid(conn: asyncpg.Connection, message: Incoming) -> None:
    event: contract.InvoicePaid = message.event  # type: ignore[assignment]
    by = _actor(message).id

    def step(invoice: Invoice) -> Invoice | None:
        if invoice.status is InvoiceStatus.PAID:
            return None
        if invoice.status is InvoiceStatus.APPROVED:
            invoice = schedule(invoice, payment_run_id=event.run_id, by=by)
        return mark_paid(invoice, paid_on=event.paid_on, by=by)

    for filed in await _each(conn, message, [event.invoice_id], step):
        count_outcome(filed.invoice, "paid")


async def on_payment_returned(conn: asyncpg.Connection, message: Incoming) -> None:
    event: contract.PaymentReturned = message.event  # type: ignore[assignment]
    by = _actor(message).id

    def step(invoice: Invoice) -> Invoice:
        return return_payment(invoice, payment_run_id=event.run_id, reason=event.reason,
                              returned_on=event.returned_on, by=by)

    for filed in await _each(conn, message, event.invoice_ids, step):
        count_outcome(filed.invoice, "returned")


PAYMENTS = Consumer(
    name="invoicing.payments",
    topic=contract.TOPIC,
    handlers={
        contract.PaymentRunApproved: on_run_approved,
        contract.InvoicePaid: on_invoice_paid,
        contract.PaymentReturned: on_payment_returned,
    },
    description="Payment runs approved (invoices scheduled), invoices paid, payments returned (payable again).",
)
