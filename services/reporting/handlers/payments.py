"""payments.events -> paid spend (invoices paid and returned, direct payments made and returned, what
council-managed accounts pay personal assistants) and prompt payment.

A direct payment into a council-managed account is kept but is not spend (a transfer into the
person's client account); the account's payments out are: to providers through the invoices they
settle (InvoicePaid), to personal assistants from ManagedAccountDebited."""
from __future__ import annotations

import asyncpg

from contracts import payments as pay
from contracts.common import ServiceType
from contracts.envelope import Envelope
from services.reporting.domain import direct_payments as dp
from services.reporting.domain import invoices, managed_accounts
from services.reporting.domain.aggregates import NO_PROVIDER, Deltas
from services.reporting.domain.dims import AgreementDim
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
    direct = [env.payload for env in envelopes if isinstance(env.payload, pay.DirectPaymentsEvent)]
    # The direct payments' dims (their mechanism) are locked with the invoices' agreements, in one order.
    dims = await apply_to_invoices(conn, steps, providers, deltas, also=[
        AgreementDim(e.agreement_id, e.person_ref, NO_PROVIDER, ServiceType.DIRECT_PAYMENT.value) for e in direct])
    await _direct_payments(conn, direct, dims, deltas)
    await _managed_debits(conn, [env.payload for env in envelopes
                                 if isinstance(env.payload, pay.ManagedAccountDebited)], deltas)


async def _direct_payments(conn: asyncpg.Connection, direct: list[pay.DirectPaymentsEvent],
                           dims: dict[str, AgreementDim], deltas: Deltas) -> None:
    if not direct:
        return
    held = await store_facts.direct_payments(conn, [(e.agreement_id, e.payment_reference) for e in direct])
    after = dict(held)
    for e in direct:
        key = (e.agreement_id, e.payment_reference)
        fact = after.get(key) or dp.DirectPaymentFact(e.agreement_id, e.payment_reference, e.person_ref)
        after[key] = dp.made(fact, e.amount_pence, e.period_start, e.council_managed) \
            if isinstance(e, pay.DirectPaymentMade) else dp.returned(fact)
    changed = deltas.track(held, after, lambda f: dp.contributions(f, dims.get(f.agreement_id)) if f else [])
    await store_facts.save_direct_payments(conn, changed.values())


async def _managed_debits(conn: asyncpg.Connection, debits: list[pay.ManagedAccountDebited], deltas: Deltas) -> None:
    """Every debit is kept; those to personal assistants are spend (a replay changes nothing)."""
    if not debits:
        return
    facts = {(e.agreement_id, e.payment_reference, e.payee_id): managed_accounts.ManagedDebit(
        e.agreement_id, e.payment_reference, e.payee_id, e.payee_kind, e.person_ref, e.pay_date, e.amount_pence)
        for e in debits}
    held = await store_facts.managed_debits(conn, facts)
    changed = deltas.track(held, held | facts, managed_accounts.contributions)
    await store_facts.save_managed_debits(conn, changed.values())


PAYMENTS = batch_consumer(
    "reporting.payments", pay.TOPIC,
    [pay.InvoicePaid, pay.PaymentReturned, pay.DirectPaymentMade, pay.DirectPaymentReturned,
     pay.ManagedAccountDebited],
    apply_payments, "Invoices paid and returned, direct payments made and returned, managed accounts' payments to "
                    "personal assistants: paid spend and prompt payment.")
