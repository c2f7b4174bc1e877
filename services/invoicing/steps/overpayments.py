"""Overpayments recovered by themselves: when an agreement's end is known (any agreement event with an
end), each invoice of it approved, scheduled in a payment run or paid that charged days after the end
gets a credit note for them (source "overpayment", the reason in words; `domain/overpayments.py`:
never leaving the provider less than the invoice's amount for the days up to the end),
`OverpaymentCredited` beside its `CreditNoteIssued`. Paid or in a run: payments takes it from the
provider's next payment. Approved and not yet in a run: payments would never pay it, as it runs past
the end (`after_agreement_end`), so it is announced again (`InvoiceApproved`, a new approval revision,
`last_payable_date` the end and `period_end` capped to it, each agreement period's last day capped to its
own agreement's end) and payments pays it up to the end, its credit note netted against it. Also when
such an invoice becomes scheduled or paid after the end was known.

Locks: the agreement path holds the provider's facts and agreement locks (the agreements consumer takes
them first); every path then locks the invoice rows. The payments path takes the same advisory locks, in
the same order, before the rows for the agreements it can see ended; an end kept by the agreements
consumer beside it is ordered by the invoice rows alone (the agreement path locks every charging invoice
of the agreement, whatever its state, after keeping the end), which is enough for a credit note: it
checks no "already invoiced".
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import asyncpg

from contracts.invoicing import OverpaymentCredited
from shared.clock import london_date, utcnow
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.invoicing.domain.corrections import credit_note
from services.invoicing.domain.invoice import InvoiceStatus, StatusChange
from services.invoicing.domain.overpayments import overpayment
from services.invoicing.domain.periods import format_day
from services.invoicing.events import approved_event, overpayment_credited
from services.invoicing.steps.corrections import issue
from services.invoicing.steps.validation import SYSTEM, lock_agreements, lock_provider_facts
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import Filed
from services.invoicing.store import overpayments as store_overpayments

log = get_logger(__name__)

RECOVERABLE = frozenset({InvoiceStatus.APPROVED, InvoiceStatus.SCHEDULED, InvoiceStatus.PAID})
PAID_OR_IN_A_RUN = frozenset({InvoiceStatus.SCHEDULED, InvoiceStatus.PAID})


async def recover(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, agreement_id: str, *,
                  invoice_ids: Sequence[str] | None = None) -> list[OverpaymentCredited]:
    """Credit what the agreement's approved, scheduled or paid invoices (of `invoice_ids`, when given)
    charged for days after its end and is not credited yet; an approved one is announced again, payable
    up to the end. Nothing when the agreement has no end on file."""
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
        others = await store_overpayments.credited_for_others(conn, invoice.invoice_id, agreement_id)
        credit = overpayment(invoice, agreement_id, agreement.end, earlier, credited_pence=so_far - others,
                             paid=invoice.status in PAID_OR_IN_A_RUN)
        if credit is not None:
            note = credit_note(invoice, credit.lines, number="", issued_on=london_date(utcnow()), by=SYSTEM.id,
                               why=credit.reason, already_credited_pence=so_far)
            [filed] = await issue(conn, outbox, cause, SYSTEM, original, [note], source="overpayment")
            await store_overpayments.record(conn, filed.invoice.invoice_id, invoice.invoice_id, agreement_id,
                                            credit.ended_on, credit.days_after_end, filed.invoice.total_pence)
            event = overpayment_credited(filed, invoice, credit, agreement.person_ref)
            await outbox.publish(conn, [event], cause)
            credited.append(event)
            log.info("overpayment after an agreement's end credited", invoice_id=invoice.invoice_id,
                     credit_note_id=filed.invoice.invoice_id, agreement_id=agreement_id,
                     amount_pence=event.amount_pence)
        # Announced payable up to the end unless it already was up to an end no later (an earlier credit's):
        # also when nothing is left to credit (earlier credit notes took all of it), or payments never pays it.
        announced_to = min((e.ended_on for e in earlier), default=None)
        if invoice.status is InvoiceStatus.APPROVED and (announced_to is None or agreement.end < announced_to):
            await payable_to_end(conn, outbox, cause, original, agreement.end)
    return credited


async def payable_to_end(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, original: Filed,
                         ended_on: date) -> None:
    """An approved invoice (its row locked) that runs past an agreement's end announced again: a new
    approval revision, payable up to the earliest end of its agreements (`ended_on` or before), so
    payments pays it, less its credit notes, rather than leaving it out as after the agreement's end. Its
    agreement periods (the agreements on file) each stop at their own agreement's end."""
    agreements = await store_facts.agreements(conn, original.invoice.agreement_ids)
    last = min([ended_on, *(a.end for a in agreements.values() if a.end is not None)])
    invoice = original.invoice
    step = StatusChange("payable_to_end", invoice.status, invoice.status, SYSTEM.id,
                        f"payable up to {format_day(last)}: an agreement on it ended then")
    again = replace(original, invoice=replace(invoice, history=invoice.history + (step,)),
                    approval_revision=original.approval_revision + 1)
    await store_invoices.save_state(conn, again, SYSTEM, history_from=len(invoice.history))
    await outbox.publish(conn, [approved_event(again, last, agreements, payable_to_end=True)], cause)
    log.info("approved invoice announced again, payable up to its agreement's end",
             invoice_id=original.invoice.invoice_id, revision=again.approval_revision, last_payable_date=str(last))


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
