"""Paying on time: valid and undisputed invoices are due within the council's payment terms.

Rule: due date = date received + payment terms (default 30 days, may be set shorter, never
longer) + every day the invoice was in dispute. A dispute opened on day O and closed on day C takes
C - O days off the clock: the clock stops on the day the query is raised and runs again on the day
it is resolved. Overlapping disputes count each day once. While any dispute is open there is no
due date.

An ISF advance is paid before its period, not in arrears: it is due on the period's first day, or on
the day it is raised (later by every disputed day) if that is later. `invoice_due_date` gives any
invoice's due date by its kind.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol

from services.invoicing.domain.invoice import Invoice, InvoiceKind

MAX_PAYMENT_TERMS_DAYS = 30  # Public Contracts Regulations 2015 reg. 113


class _Dispute(Protocol):
    opened_on: date
    closed_on: date | None


def check_payment_terms(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise ValueError(f"payment terms must be 0 to {MAX_PAYMENT_TERMS_DAYS} days (valid and undisputed invoices"
                         f" are paid within 30 days), not {days!r}")
    return days


def disputed_days(disputes: Iterable[_Dispute]) -> int:
    """Days off the clock for closed disputes, each calendar day counted once."""
    spans = sorted((d.opened_on, d.closed_on) for d in disputes if d.closed_on is not None)
    total, covered_to = 0, date.min
    for opened, closed in spans:
        start = max(opened, covered_to)
        if closed > start:
            total += (closed - start).days
            covered_to = closed
    return total


def valid_on(received_on: date, disputes: Iterable[_Dispute] = ()) -> date:
    """Where the 30-day clock effectively starts: the date received, later by every disputed day
    (the `valid_on` of the InvoiceApproved event, so due date = valid_on + payment terms)."""
    disputes = list(disputes)
    if any(d.closed_on is None for d in disputes):
        raise ValueError("an invoice in dispute has no due date until the dispute closes")
    return received_on + timedelta(days=disputed_days(disputes))


def due_date(received_on: date, payment_terms_days: int, disputes: Iterable[_Dispute] = ()) -> date:
    """The date a valid invoice must be paid by; disputes still open are refused (no clock runs)."""
    return valid_on(received_on, disputes) + timedelta(days=check_payment_terms(payment_terms_days))


def advance_due_date(period_first: date, raised_on: date, disputes: Iterable[_Dispute] = ()) -> date:
    """An ISF advance: due on its period's first day, or the day it was raised (plus disputed days) if later."""
    return max(period_first, valid_on(raised_on, disputes))


def invoice_due_date(invoice: Invoice, payment_terms_days: int) -> date:
    """The date a valid invoice of any kind must be paid by."""
    if invoice.kind is InvoiceKind.ISF_ADVANCE:
        return advance_due_date(invoice.period.first, invoice.received_on, invoice.disputes)
    return due_date(invoice.received_on, payment_terms_days, invoice.disputes)
