"""payments.events -> paid spend (invoices paid and returned, direct payments made and returned) and prompt payment."""
from __future__ import annotations

import asyncpg

from contracts import payments as pay
from contracts.envelope import Envelope
from services.reporting.domain import direct_payments as dp
from services.reporting.domain import invoices
from services.reporting.domain.aggregates import Deltas
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.steps.invoice_facts import InvoiceStep, apply_to_invoices
from services.reporting.store import facts as store_facts


def _payments_steps(env: Envelope) -> list[InvoiceStep]:
    e = env.payload
    if isinstance(e, pay.InvoicePaid):
        return [(e.invoice_id, lambda i: invoices.paid(i, e.payment_reference, e.amount_pence, e.paid_on))]
    if isinstance(e, pay.PaymentReturned):
        return [(invoice_id, lambda i: invoices.returned(i, e.payment_reference)) for invoice_id in e.invoice_ids]
    return []


async def apply_payments(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    steps = [s for env in envelopes for s in _payments_steps(env)]
    providers = {}
    for env in envelopes:
        if isinstance(env.payload, pay.InvoicePaid):
            providers[env.payload.invoice_id] = env.payload.provider_id
        elif isinstance(env.payload, pay.PaymentReturned):
            providers.update(dict.fromkeys(env.payload.invoice_ids, env.payload.provider_id))
    await apply_to_invoices(conn, steps, providers, deltas)
    direct = [env.payload for env in envelopes if isinstance(env.payload, pay.DirectPaymentsEvent)]
    held = await store_facts.direct_payments(conn, [(e.agreement_id, e.payment_reference) for e in direct])
    after = dict(held)
    for e in direct:
        key = (e.agreement_id, e.payment_reference)
        fact = after.get(key) or dp.DirectPaymentFact(e.agreement_id, e.payment_reference, e.person_ref)
        after[key] = dp.made(fact, e.amount_pence, e.period_start) if isinstance(e, pay.DirectPaymentMade) \
            else dp.returned(fact)
    await store_facts.save_direct_payments(conn, deltas.track(held, after, dp.contributions).values())


PAYMENTS = batch_consumer(
    "reporting.payments", pay.TOPIC,
    [pay.InvoicePaid, pay.PaymentReturned, pay.DirectPaymentMade, pay.DirectPaymentReturned],
    apply_payments, "Invoices paid and returned, direct payments made and returned: paid spend and prompt payment.")
