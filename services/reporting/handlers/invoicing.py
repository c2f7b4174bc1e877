"""invoicing.events -> invoiced spend (approved, credit notes negative) and invoices awaiting payment."""
from __future__ import annotations

import asyncpg

from contracts import invoicing as inv
from contracts.envelope import Envelope
from shared.clock import london_date
from services.reporting.domain import invoices
from services.reporting.domain.aggregates import Deltas
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.steps.invoice_facts import InvoiceStep, apply_to_invoices


def _invoicing_step(env: Envelope) -> InvoiceStep:
    e = env.payload
    if isinstance(e, inv.InvoiceDocument):
        return e.invoice_id, lambda i: invoices.documented(
            i, kind=e.kind, service_type=e.service_type, agreement_ids=e.agreement_ids, person_refs=e.person_refs,
            period_start=e.period_start, total_pence=e.total_pence)
    if isinstance(e, inv.InvoiceApproved):
        return e.invoice_id, lambda i: invoices.approved(
            i, revision=e.revision, kind=e.kind, service_type=e.service_type, agreement_ids=e.agreement_ids,
            period_start=e.period_start, amount_pence=e.amount_pence, received_on=e.received_on,
            valid_on=e.valid_on, due_date=e.due_date, approved_on=london_date(env.occurred_at))
    if isinstance(e, inv.InvoiceHeld):
        return e.invoice_id, invoices.on_hold
    return e.invoice_id, invoices.cancelled  # rejected or voided


async def apply_invoicing(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    steps = [_invoicing_step(env) for env in envelopes]
    await apply_to_invoices(conn, steps, {e.payload.invoice_id: e.payload.provider_id for e in envelopes}, deltas)


INVOICING = batch_consumer(
    "reporting.invoicing", inv.TOPIC,
    [inv.InvoiceIssued, inv.InvoiceReceived, inv.CreditNoteIssued, inv.SupplementaryInvoiceIssued,
     inv.InvoiceApproved, inv.InvoiceHeld, inv.InvoiceRejected, inv.InvoiceVoided],
    apply_invoicing, "Invoices and credit notes: invoiced spend (approved, credit notes negative) and unpaid invoices.")
