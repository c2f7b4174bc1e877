"""Issuing credit notes and supplementary invoices: for a query's outcome, an officer, or late
corrections of visits already self-billed. Each is numbered (CN, or SB for a supplementary),
validated like any invoice, stored with who and why, and announced with the effect it answers.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date

import asyncpg

from contracts.envelope import Actor
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.invoicing.domain.corrections import (CORRECTABLE, corrections_from_actuals, credit_note,
                                                   line_for_amount, supplementary_invoice)
from services.invoicing.domain.facts import ConfirmedActuals
from services.invoicing.domain.invoice import Invoice, InvoiceKind
from services.invoicing.domain.numbering import Series, format_number
from services.invoicing.steps.validation import announcements, context_for, lock_agreements, with_outcome
from services.invoicing.store import actuals as store_actuals
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store import numbering as store_numbering
from services.invoicing.store.invoices import Filed

log = get_logger(__name__)


def _series(kind: InvoiceKind) -> Series:
    return Series.CREDIT_NOTE if kind is InvoiceKind.CREDIT_NOTE else Series.SELF_BILLED


async def issue(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, original: Filed,
                documents: Sequence[Invoice], *, source: str, query_id: str | None = None,
                effect_id: str | None = None) -> list[Filed]:
    """Number, validate, store and announce corrections of `original` (built with a blank number), with
    `original` loaded by `validation.load_locked` (or, for late visit corrections, under the delivery
    consumer's provider locks and the agreement locks of `correct_self_bills`)."""
    numbers = await store_numbering.allocate_numbers(
        conn, Counter((d.provider_ref, _series(d.kind)) for d in documents))
    next_of = {key: iter(span) for key, span in numbers.items()}
    issued = []
    for document in documents:
        series = _series(document.kind)
        numbered = replace(document, number=format_number(document.provider_ref,
                                                          next(next_of[(document.provider_ref, series)]), series))
        filed = Filed(numbered, source, original.service_type, query_id=query_id, effect_id=effect_id)
        ctx, agreements = await context_for(conn, filed)
        filed = with_outcome(filed, ctx)
        await store_invoices.insert_filed(conn, [filed], actor)
        await outbox.publish(conn, announcements(filed, agreements, raised=True), cause)
        issued.append(filed)
    return issued


async def correction_by_amount(conn: asyncpg.Connection, original: Filed, kind: InvoiceKind, amount_pence: int, *,
                               issued_on: date, by: str, why: str) -> Invoice:
    """A credit note or supplementary invoice of `amount_pence` against `original` (blank number);
    refused by the domain (InvalidInvoiceInput, IllegalTransition) when it cannot be raised."""
    line = line_for_amount(original.invoice, amount_pence, why)
    if kind is InvoiceKind.CREDIT_NOTE:
        credited = await store_invoices.credited_so_far(conn, original.invoice.invoice_id)
        return credit_note(original.invoice, [line], number="", issued_on=issued_on, by=by, why=why,
                           already_credited_pence=credited)
    return supplementary_invoice(original.invoice, [line], number="", issued_on=issued_on, by=by, why=why)


async def correct_self_bills(conn: asyncpg.Connection, outbox: Outbox, cause_of: Callable[[str], Cause],
                             actor: Actor, changed: Iterable[tuple[str, date]], *, issued_on: date) -> list[Filed]:
    """Weeks whose visits were corrected after confirmation: credit or add the differences on the
    self-billed invoice that covers them (a period not yet invoiced picks the change up itself)."""
    originals: dict[str, str] = {}
    for agreement_id, monday in sorted(set(changed)):
        invoice_id = await store_invoices.self_bill_covering(conn, agreement_id, monday)
        if invoice_id is not None:
            originals[invoice_id] = agreement_id
    if not originals:
        return []
    await lock_agreements(conn, originals.values())
    issued = []
    for invoice_id, agreement_id in sorted(originals.items()):
        original = await store_invoices.load(conn, invoice_id, for_update=True)
        if original is None or original.invoice.status not in CORRECTABLE:
            log.warning("corrected visits on an invoice that cannot be corrected now; an officer decides",
                        invoice_id=invoice_id, status=original.invoice.status.value if original else None)
            continue
        earlier = await store_invoices.load_many(conn, await store_invoices.corrections_of(conn, invoice_id))
        invoice, period = original.invoice, original.invoice.period
        visits = await store_actuals.visits_by_week(conn, ((agreement_id, w.first) for w in period.weeks()))
        lines = tuple(v for w in period.weeks() for v in visits.get((agreement_id, w.first), ())
                      if period.contains(v.local_date))
        actuals = ConfirmedActuals(agreement_id, invoice.lines[0].person_ref, period, lines)
        provider = await store_facts.provider(conn, invoice.provider_ref)
        diff = corrections_from_actuals([invoice, *(e.invoice for e in earlier)], actuals,
                                        lines_per_day_setting=provider.lines_per_day)
        why = "visits corrected after the actuals were confirmed"
        # Supplementaries raised it before: what is left to credit is the invoice plus them, less credits.
        added = sum(e.invoice.total_pence for e in earlier if e.invoice.kind is InvoiceKind.SUPPLEMENTARY
                    and e.invoice.status.value != "void")
        credited = await store_invoices.credited_so_far(conn, invoice_id) - added
        documents = []
        if diff.to_credit:
            documents.append(credit_note(invoice, diff.to_credit, number="", issued_on=issued_on, by=actor.id,
                                         why=why, already_credited_pence=credited))
        if diff.to_add:
            documents.append(supplementary_invoice(invoice, diff.to_add, number="", issued_on=issued_on, by=actor.id,
                                                   why=why))
        issued += await issue(conn, outbox, cause_of(agreement_id), actor, original, documents,
                              source="actuals_correction")
    return issued
