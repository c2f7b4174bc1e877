"""An officer's steps on an invoice: release or reject a held one, void one, each with a reason.

Each step: lock the invoice, apply the domain rule (which refuses what the state does not allow,
saying what it can do instead), save it with who and why, and announce it. Voiding or rejecting an
invoice frees its days: invoices held as 'already invoiced' are checked again (so those two take the
provider's facts and agreement locks before the invoice's row: `load_locked`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import asyncpg

from contracts.envelope import Actor, Event
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing.config import config
from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.invoice import Invoice
from services.invoicing.domain.lifecycle import reject, release, void
from services.invoicing.events import rejected_event, voided_event
from services.invoicing.steps.validation import announce_outcome, count_outcome, load_locked, recheck_held
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import Filed


class InvoiceNotFound(LookupError):
    pass


async def _step(conn: asyncpg.Connection, invoice_id: str, step: Callable[[Invoice], Invoice], *,
                facts_locked: bool = False) -> Filed:
    filed = await (load_locked(conn, invoice_id) if facts_locked else store_invoices.load(conn, invoice_id,
                                                                                          for_update=True))
    if filed is None:
        raise InvoiceNotFound(invoice_id)
    return replace(filed, invoice=step(filed.invoice))


async def release_invoice(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, invoice_id: str,
                          why: str) -> Filed:
    after = await _step(conn, invoice_id, lambda i: release(
        i, by=actor.id, why=why, payment_terms_days=config().payment_terms_days))
    after = replace(after, approval_revision=after.approval_revision + 1)
    await store_invoices.save_state(conn, after, actor)
    count_outcome(after.invoice, "released")
    await announce_outcome(conn, outbox, cause, after)
    return after


async def reject_invoice(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, invoice_id: str,
                         why: str) -> Filed:
    return await _end(conn, outbox, cause, invoice_id, "rejected", lambda i: reject(i, by=actor.id, why=why),
                      lambda i: rejected_event(i, why.strip()), actor)


async def void_invoice(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, invoice_id: str,
                       why: str) -> Filed:
    return await _end(conn, outbox, cause, invoice_id, "voided", lambda i: void(i, by=actor.id, why=why),
                      lambda i: voided_event(i, why.strip()), actor)


async def _end(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, invoice_id: str, outcome: str,
               step: Callable[[Invoice], Invoice], event: Callable[[Invoice], Event], actor: Actor) -> Filed:
    """Reject or void: the invoice is kept, void, and its days are free for another invoice. An invoice
    of these days validated side by side either commits first (and is rechecked here) or waits and sees
    this one void."""
    after = await _step(conn, invoice_id, step, facts_locked=True)
    await store_invoices.save_state(conn, after, actor)
    count_outcome(after.invoice, outcome)
    await outbox.publish(conn, [event(after.invoice)], cause)
    held = await store_invoices.held_with(conn, [HoldCode.PERIOD_ALREADY_INVOICED.value],
                                          agreement_ids=list(after.invoice.agreement_ids))
    await recheck_held(conn, outbox, cause, held, f"invoice {after.invoice.number} was {outcome}")
    return after
