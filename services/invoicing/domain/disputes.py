"""Disputes: a query that disputes an invoice holds it and stops the 30-day clock until it closes.

Opening a dispute moves a held, approved or scheduled invoice to held (reason `disputed`) and
remembers where it was. When its last open dispute closes it continues from there: an approved or
scheduled invoice is approved again (a scheduled one left its payment run, so it waits for the
next) with its due date moved by the disputed days; a held invoice is held for its other reasons.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.invoicing.domain.errors import IllegalTransition
from services.invoicing.domain.holds import HoldCode, HoldReason
from services.invoicing.domain.invoice import Dispute, Invoice, InvoiceStatus
from services.invoicing.domain.lifecycle import Action, check_allowed, move
from services.invoicing.domain.payment_terms import invoice_due_date
from services.invoicing.domain.periods import format_day


def _disputed_reason(query_ref: str, opened_on: date) -> HoldReason:
    return HoldReason(HoldCode.DISPUTED, f"Query {query_ref} raised on {format_day(opened_on)} disputes this invoice;"
                                         " it is on hold until the query is resolved, and the days in dispute do not"
                                         " count towards the payment date.", reference=query_ref)


def open_dispute(invoice: Invoice, *, query_ref: str, opened_on: date, by: str) -> Invoice:
    check_allowed(invoice, Action.OPEN_DISPUTE)
    # A resolved query may be reopened and dispute the invoice again: only an open one is a repeat.
    if any(d.query_ref == query_ref for d in invoice.open_disputes):
        raise IllegalTransition(f"query {query_ref} already disputes invoice {invoice.number}")
    if opened_on < invoice.received_on:
        raise ValueError(f"a dispute cannot open ({opened_on}) before the invoice was received ({invoice.received_on})")
    disputes = invoice.disputes + (Dispute(query_ref, opened_on),)
    holds = invoice.holds + (_disputed_reason(query_ref, opened_on),)
    held = invoice.status is InvoiceStatus.HELD
    changes: dict = {"disputes": disputes, "holds": holds,
                     "resumes_as": invoice.resumes_as or (InvoiceStatus.HELD if held else InvoiceStatus.APPROVED)}
    if not held:  # approved or scheduled: off the clock, and out of any payment run
        changes |= {"due_on": None, "payment_run_id": None}
    return move(invoice, Action.OPEN_DISPUTE, InvoiceStatus.HELD, by=by, why=f"disputed by {query_ref}", **changes)


def close_dispute(invoice: Invoice, *, query_ref: str, closed_on: date, by: str,
                  payment_terms_days: int = 30) -> Invoice:
    check_allowed(invoice, Action.CLOSE_DISPUTE)
    found = [d for d in invoice.open_disputes if d.query_ref == query_ref]
    if not found:
        raise IllegalTransition(f"query {query_ref} has no open dispute on invoice {invoice.number}")
    if closed_on < found[0].opened_on:
        raise ValueError(f"a dispute cannot close ({closed_on}) before it opened ({found[0].opened_on})")
    disputes = tuple(replace(d, closed_on=closed_on) if d.query_ref == query_ref and d.is_open else d
                     for d in invoice.disputes)
    holds = tuple(h for h in invoice.holds if not (h.code is HoldCode.DISPUTED and h.reference == query_ref))
    why = f"dispute {query_ref} closed"
    if any(d.is_open for d in disputes):  # another query still disputes it
        return move(invoice, Action.CLOSE_DISPUTE, InvoiceStatus.HELD, by=by, why=why, disputes=disputes, holds=holds)
    if invoice.resumes_as is InvoiceStatus.APPROVED:
        due_on = invoice_due_date(replace(invoice, disputes=disputes), payment_terms_days)
        return move(invoice, Action.CLOSE_DISPUTE, InvoiceStatus.APPROVED, by=by, why=why, disputes=disputes,
                    holds=(), resumes_as=None, due_on=due_on)
    return move(invoice, Action.CLOSE_DISPUTE, InvoiceStatus.HELD, by=by, why=why, disputes=disputes, holds=holds,
                resumes_as=None)
