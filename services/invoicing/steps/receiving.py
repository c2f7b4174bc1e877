"""Receiving a provider's invoice: stored first, whatever its quality, then validated at once.

The provider's number is claimed in the same INSERT (a unique index per provider): of two
invoices with one number, however close together, one holds it and the other is stored and held
as a duplicate. The invoice's agreements are locked first, so an invoice for days another is
being validated for waits and then sees it.
"""
from __future__ import annotations

from dataclasses import replace

import asyncpg

from contracts.envelope import Actor
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing.config import config
from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.invoice import InvoiceStatus, StatusChange
from services.invoicing.domain.provider_invoices import ProviderInvoiceSubmission, receive_provider_invoice
from services.invoicing.domain.validation_context import normalise_invoice_number
from services.invoicing.steps.validation import (announcements, context_for, lock_agreements, lock_provider_facts,
                                           service_type_of, with_outcome)
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import Filed


async def receive(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor,
                  submission: ProviderInvoiceSubmission, *, source: str) -> Filed:
    received = receive_provider_invoice(submission)
    # One advisory lock per agreement (below): an invoice naming thousands would fill Postgres's shared
    # lock table for every service. Refused before any lock, so the per-agreement locking stays exact.
    bound = config().max_invoice_agreements
    if len(received.agreement_ids) > bound:
        raise InvalidInvoiceInput("lines", f"the invoice names {len(received.agreement_ids)} different agreements: "
                                  f"at most {bound} per invoice; send one invoice per agreement or a few together")
    step = StatusChange("receive", None, InvoiceStatus.DRAFT, actor.id, f"received from the provider as {source}")
    invoice = replace(received, history=(step,))
    await lock_provider_facts(conn, [invoice.provider_ref])
    await lock_agreements(conn, invoice.agreement_ids)
    agreements = await store_facts.agreements(conn, invoice.agreement_ids)
    filed = Filed(invoice, source, service_type_of(agreements.values()),
                  number_claim=normalise_invoice_number(invoice.number))
    if not await store_invoices.insert_claiming_number(conn, filed, actor):
        filed = replace(filed, number_claim=None)
    ctx, agreements = await context_for(conn, filed)
    validated = with_outcome(filed, ctx)
    await store_invoices.save_state(conn, validated, actor, history_from=len(invoice.history))
    await outbox.publish(conn, announcements(validated, agreements, raised=True), cause)
    return validated
