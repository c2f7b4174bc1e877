"""Invoices providers send (JSON or CSV): every one is received and kept, valid or not.

A line names the agreement and service user, the dates it covers and its amount; for actuals it
may name a visit (and carer) or a week (Monday). Lines that could not be read are kept as
`UnreadableLine`s with their problems, so validation holds the invoice and names them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceLine, UnreadableLine, new_invoice_id
from services.invoicing.domain.periods import Period


@dataclass(frozen=True, slots=True)
class SubmittedLine:
    agreement_id: str
    person_ref: str
    amount_pence: int
    first_day: date | None = None
    last_day: date | None = None  # defaults to first_day (or the Sunday of `week_commencing`)
    week_commencing: date | None = None
    visit_id: str | None = None
    carer_id: str | None = None
    description: str = ""
    source_row: int | None = None

    def days(self) -> tuple[date, date]:
        """The dates the line covers: its own, or the Monday–Sunday week it names."""
        if self.week_commencing is not None:
            if self.week_commencing.weekday() != 0:
                raise InvalidInvoiceInput("week_commencing", f"{self.week_commencing} is a "
                                          f"{self.week_commencing:%A}: weeks start on a Monday")
            week_end = self.week_commencing + timedelta(days=6)
            first, last = self.first_day or self.week_commencing, self.last_day or week_end
            if not (self.week_commencing <= first <= last <= week_end):
                raise InvalidInvoiceInput("date_from", f"dates {first}..{last} are not inside the week commencing "
                                                       f"{self.week_commencing}")
            return first, last
        if self.first_day is None:
            raise InvalidInvoiceInput("date_from", "each line needs the date it covers (or a week_commencing)")
        last = self.last_day or self.first_day
        if last < self.first_day:
            raise InvalidInvoiceInput("date_to", f"{last} is before date_from {self.first_day}")
        return self.first_day, last


@dataclass(frozen=True, slots=True)
class ProviderInvoiceSubmission:
    provider_ref: str
    invoice_number: str
    received_on: date
    lines: tuple[SubmittedLine, ...]
    unreadable: tuple[UnreadableLine, ...] = ()
    invoice_date: date | None = None  # as printed by the provider
    period: Period | None = None  # as stated by the provider; else the span of its lines


def receive_provider_invoice(submission: ProviderInvoiceSubmission, *, invoice_id: str | None = None) -> Invoice:
    """The draft invoice as received: line numbers follow the provider's order (unreadable lines
    keep their place), and a line whose dates are inconsistent becomes an unreadable line."""
    if not (submission.invoice_number or "").strip():
        raise InvalidInvoiceInput("invoice_number", "required: the provider's own number for this invoice")
    lines: list[InvoiceLine] = []
    unreadable = list(submission.unreadable)
    taken = {u.line_number for u in unreadable}
    numbers = (n for n in range(1, len(submission.lines) + len(unreadable) + 1) if n not in taken)
    for line, number in zip(submission.lines, numbers):
        try:
            if line.amount_pence < 0:
                raise InvalidInvoiceInput("amount", "a line cannot be negative: send a credit note for money owed back")
            first, last = line.days()
        except InvalidInvoiceInput as e:
            unreadable.append(UnreadableLine(number, (str(e),), line.source_row))
            continue
        lines.append(InvoiceLine(number, line.agreement_id, line.person_ref, first, last, line.amount_pence,
                                 visit_id=line.visit_id or None, carer_id=line.carer_id or None,
                                 description=line.description, source_row=line.source_row))
    period = submission.period
    if period is None:
        days = [d for line in lines for d in (line.first_day, line.last_day)]
        period = Period(min(days), max(days)) if days else Period(submission.received_on, submission.received_on)
    return Invoice(invoice_id or new_invoice_id(), InvoiceKind.PROVIDER_SUBMITTED, submission.provider_ref,
                   submission.invoice_number.strip(), period, submission.received_on, tuple(lines),
                   unreadable=tuple(sorted(unreadable, key=lambda u: u.line_number)),
                   provider_dated=submission.invoice_date)
