"""Overpayments recovered by themselves: when an agreement's end is known (any agreement event with an
end), each invoice of it scheduled in a payment run or paid that charged days after the end gets a credit
note for them (source "overpayment", the reason in words), `OverpaymentCredited` beside its
`CreditNoteIssued`; payments takes it from the provider's next payment. Also when such an invoice becomes
scheduled or paid after the end was known. An approved invoice not yet in a run is left to payments, which
never pays days after an agreement's end (`after_agreement_end`).

Locks: the agreement path holds the provider's facts and agreement locks (the agreements consumer takes
them first); every path then locks the invoice rows. The payments path takes the same advisory locks, in
the same order, before the rows for the agreements it can see ended; an end kept by the agreements
consumer beside it is ordered by the invoice rows alone (the agreement path locks every charging invoice
of the agreement, whatever its state, after keeping the end), which is enough for a credit note: it
checks no "already invoiced".
"""
from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from contracts.invoicing import OverpaymentCredited
from shared.clock import london_date, utcnow
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.invoicing.domain.corrections import credit_note
from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.domain.overpayments import overpayment
from services.invoicing.events import overpayment_credited
from services.invoicing.steps.corrections import issue
from services.invoicing.steps.validation import SYSTEM, lock_agreements, lock_provider_facts
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store import overpayments as store_overpayments

log = get_logger(__name__)

RECOVERABLE = frozenset({InvoiceStatus.SCHEDULED, InvoiceStatus.PAID})


async def recover(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, agreement_id: str, *,
                  invoice_ids: Sequence[str] | None = None) -> list[OverpaymentCredited]:
    """Credit what the agreement's scheduled or paid invoices (of `invoice_ids`, when given) charged for
    days after its end and is not credited yet. Nothing when the agreement has no end on file."""
    agreement = (await store_facts.agreements(conn, [agreement_id])).get(agreement_id)
    if agreement is None or agreement.end is None:
        return []
    ids = await store_overpayments.charging_after(conn, agreement_id, agreement.end, invoice_ids)
    credited: list[OverpaymentCredited] = []
    for original in await store_invoices.load_many(conn, ids, for_update=True):
        invoice = original.invoice
        if invoice.status not in RECOVERABLE:
            continue
        earlier = await store_overpayments.earlier_credits(conn, invoice.invoice_id, agreement_id)
        so_far = await store_invoices.credited_so_far(conn, invoice.invoice_id)
        credit = overpayment(invoice, agreement_id, agreement.end, earlier, left_pence=invoice.total_pence - so_far)
        if credit is None:
            continue
        note = credit_note(invoice, credit.lines, number="", issued_on=london_date(utcnow()), by=SYSTEM.id,
                           why=credit.reason, already_credited_pence=so_far)
        [filed] = await issue(conn, outbox, cause, SYSTEM, original, [note], source="overpayment")
        await store_overpayments.record(conn, filed.invoice.invoice_id, invoice.invoice_id, agreement_id,
                                        credit.ended_on, credit.days_after_end, filed.invoice.total_pence)
        event = overpayment_credited(filed, invoice, credit, agreement.person_ref)
        await outbox.publish(conn, [event], cause)
        credited.append(event)
        log.info("overpayment after an agreement's end credited", invoice_id=invoice.invoice_id,
                 credit_note_id=filed.invoice.invoice_id, agreement_id=agreement_id, amount_pence=event.amount_pence)
    return credited


async def lock_ended(conn: asyncpg.Connection, invoice_ids: Sequence[str]) -> None:
    """Before a payments step locks these invoices' rows: the provider's facts, then the agreement locks
    of those whose agreement on file ended before the invoice's last day (the one order of every path)."""
    ended = await store_overpayments.ended_within(conn, invoice_ids)
    await lock_provider_facts(conn, (provider_id for provider_id, _ in ended))
    await lock_agreements(conn, (agreement_id for _, agreement_id in ended))


async def recover_invoices(conn: asyncpg.Connection, outbox: Outbox, cause: Cause,
                           invoice_ids: Sequence[str]) -> list[OverpaymentCredited]:
    """Invoices just scheduled or paid (their rows locked): credit the days they charged after an end
    already known."""
    if not invoice_ids:
        return []
    credited = []
    for agreement_id in sorted({a for _, a in await store_overpayments.ended_within(conn, invoice_ids)}):
        credited += await recover(conn, outbox, cause, agreement_id, invoice_ids=invoice_ids)
    return credited
