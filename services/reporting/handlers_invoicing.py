"""invoicing.events -> invoiced spend, invoices awaiting payment; payments.events -> paid spend, prompt payment."""
from __future__ import annotations

from collections.abc import Callable

import asyncpg

from contracts import invoicing as inv
from contracts import payments as pay
from contracts.envelope import Envelope
from shared.clock import london_date
from services.reporting import domain_direct_payments as dp
from services.reporting import domain_invoices as invoices
from services.reporting import store_dims, store_facts
from services.reporting.consumer_batch import batch_consumer
from services.reporting.domain_aggregates import SEVERAL_PEOPLE, Deltas
from services.reporting.domain_dims import AgreementDim
from services.reporting.domain_invoices import Invoice


def _invoicing_step(env: Envelope) -> tuple[str, Callable[[Invoice], Invoice | None]]:
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


def _payments_steps(env: Envelope) -> list[tuple[str, Callable[[Invoice], Invoice | None]]]:
    e = env.payload
    if isinstance(e, pay.InvoicePaid):
        return [(e.invoice_id, lambda i: invoices.paid(i, e.payment_reference, e.amount_pence, e.paid_on))]
    if isinstance(e, pay.PaymentReturned):
        return [(invoice_id, lambda i: invoices.returned(i, e.payment_reference)) for invoice_id in e.invoice_ids]
    return []


async def _apply_to_invoices(conn: asyncpg.Connection, steps, providers: dict[str, str], deltas: Deltas) -> None:
    if not steps:
        return
    held = await store_facts.invoices(conn, [Invoice(i, providers[i]) for i, _ in steps])
    after = dict(held)
    for invoice_id, step in steps:
        after[invoice_id] = step(after[invoice_id]) or after[invoice_id]
    # Placeholders for the one agreement an invoice covers, so an agreement heard of later moves it.
    named = [AgreementDim(i.agreement_id, i.person_refs[0] if len(i.person_refs) == 1 else SEVERAL_PEOPLE,
                          i.provider_id) for k, v in after.items() if held[k] != v for i in (held[k], v)
             if i.agreement_id]
    dims = await store_dims.lock(conn, named)
    changed = deltas.track(held, after, lambda i: invoices.contributions(
        i, dims.get(i.agreement_id) if i and i.agreement_id else None))
    await store_facts.save_invoices(conn, changed.values())

async def apply_invoicing(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    steps = [_invoicing_step(env) for env in envelopes]
    await _apply_to_invoices(conn, steps, {e.payload.invoice_id: e.payload.provider_id for e in envelopes}, deltas)


async def apply_payments(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    steps = [s for env in envelopes for s in _payments_steps(env)]
    providers = {}
    for env in envelopes:
        if isinstance(env.payload, pay.InvoicePaid):
            providers[env.payload.invoice_id] = env.payload.provider_id
        elif isinstance(env.payload, pay.PaymentReturned):
            providers.update(dict.fromkeys(env.payload.invoice_ids, env.payload.provider_id))
    await _apply_to_invoices(conn, steps, providers, deltas)
    direct = [env.payload for env in envelopes if isinstance(env.payload, pay.DirectPaymentsEvent)]
    held = await store_facts.direct_payments(conn, [(e.agreement_id, e.payment_reference) for e in direct])
    after = dict(held)
    for e in direct:
        key = (e.agreement_id, e.payment_reference)
        fact = after.get(key) or dp.DirectPaymentFact(e.agreement_id, e.payment_reference, e.person_ref)
        after[key] = dp.made(fact, e.amount_pence, e.period_start) if isinstance(e, pay.DirectPaymentMade) \
            else dp.returned(fact)
    await store_facts.save_direct_payments(conn, deltas.track(held, after, dp.contributions).values())

INVOICING = batch_consumer(
    "reporting.invoicing", inv.TOPIC,
    [inv.InvoiceIssued, inv.InvoiceReceived, inv.CreditNoteIssued, inv.SupplementaryInvoiceIssued,
     inv.InvoiceApproved, inv.InvoiceHeld, inv.InvoiceRejected, inv.InvoiceVoided],
    apply_invoicing, "Invoices and credit notes: invoiced spend (approved, credit notes negative) and unpaid invoices.")

PAYMENTS = batch_consumer(
    "reporting.payments", pay.TOPIC,
    [pay.InvoicePaid, pay.PaymentReturned, pay.DirectPaymentMade, pay.DirectPaymentReturned],
    apply_payments, "Invoices paid and returned, direct payments made and returned: paid spend and prompt payment.")
