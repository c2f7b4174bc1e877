"""Corrections: credit notes and supplementary invoices linked to the invoice they correct, and
netting a provider's approved invoices and credit notes into one payment.

A correction is raised from a late visit correction, a query outcome, or by an officer, always
with who and why. A credit note never makes a payment negative: netting pays
max(0, invoices - credit notes - amount brought forward) and carries any remainder forward
against the provider's next invoices.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from shared.money import format_gbp
from services.invoicing.domain.errors import IllegalTransition, InvalidInvoiceInput
from services.invoicing.domain.facts import ConfirmedActuals
from services.invoicing.domain.invoice import (Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, StatusChange,
                                               new_invoice_id)
from services.invoicing.domain.self_billing import lines_per_day, lines_per_visit

CORRECTABLE = frozenset({InvoiceStatus.APPROVED, InvoiceStatus.SCHEDULED, InvoiceStatus.PAID})


def check_correctable(original: Invoice) -> None:
    """Whether anything can correct `original` (else IllegalTransition, 409, saying why): not a credit note
    (correct the invoice it credits); approved, scheduled or paid (a held one is released or rejected instead);
    and naming an agreement, since every line of a correction is on one of the original's agreements. An
    invoice none of whose lines could be read names none (an officer may have released it, at £0.00): it has
    nothing to credit and no agreement to add to, so it is refused (invoice_names_no_agreement)."""
    if original.kind is InvoiceKind.CREDIT_NOTE:
        raise IllegalTransition(f"{original.number} is a credit note, which is not corrected: correct the invoice it"
                                " credits", code="invoice_is_a_credit_note")
    if original.status not in CORRECTABLE:
        raise IllegalTransition(f"invoice {original.number} is {original.status.value}: only an approved, scheduled"
                                " or paid invoice is corrected; a held one is released or rejected instead",
                                code="invoice_not_correctable")
    if not original.agreement_ids:
        raise IllegalTransition(f"invoice {original.number} names no agreement (none of its lines could be read), so"
                                " it cannot be corrected: a credit note or supplementary invoice is made of lines on"
                                " the original's agreements. Void it if it should not be paid, and have the provider"
                                " send it again with lines that can be read", code="invoice_names_no_agreement")


def line_for_amount(original: Invoice, amount_pence: int, description: str) -> InvoiceLine:
    """A correction of a whole invoice by an amount (an officer's, a query's, a surplus reclaimed): one line on
    its first agreement, over the days the invoice charged that agreement. Refused as `check_correctable`
    refuses when `original` cannot be corrected."""
    check_correctable(original)
    agreement_id = original.agreement_ids[0]
    lines = [line for line in original.lines if line.agreement_id == agreement_id]
    return InvoiceLine(1, agreement_id, lines[0].person_ref, min(x.first_day for x in lines),
                       max(x.last_day for x in lines), amount_pence, description=description)


def _correction(kind: InvoiceKind, original: Invoice, lines: Sequence[InvoiceLine], *, number: str,
                issued_on: date, by: str, why: str, invoice_id: str | None) -> Invoice:
    check_correctable(original)
    if not (why or "").strip():
        raise InvalidInvoiceInput("reason", f"required: say why {original.number} is corrected")
    if not lines:
        raise InvalidInvoiceInput("lines", "a correction needs at least one line")
    foreign = sorted({line.agreement_id for line in lines} - set(original.agreement_ids))
    if foreign:
        raise InvalidInvoiceInput("lines", f"agreement(s) {', '.join(foreign)} are not on {original.number}")
    if any(line.amount_pence <= 0 for line in lines):
        raise InvalidInvoiceInput("lines", "each line of a correction is a positive amount (a credit note takes it"
                                           " away, a supplementary invoice adds it)")
    numbered = tuple(line._replace(line_number=n, source_row=None) for n, line in enumerate(lines, start=1))
    raised = StatusChange("raise", None, InvoiceStatus.DRAFT, by, why.strip())
    return Invoice(invoice_id or new_invoice_id(), kind, original.provider_ref, number, original.period, issued_on,
                   numbered, corrects=original.invoice_id, history=(raised,))


def credit_note(original: Invoice, lines: Sequence[InvoiceLine], *, number: str, issued_on: date, by: str,
                why: str, already_credited_pence: int = 0, invoice_id: str | None = None) -> Invoice:
    """A credit note against `original`; never more than what is left of it after earlier credits (else
    IllegalTransition credit_exceeds_what_is_left, 409: what is left is the invoice's state, not the request's)."""
    note = _correction(InvoiceKind.CREDIT_NOTE, original, lines, number=number, issued_on=issued_on, by=by,
                       why=why, invoice_id=invoice_id)
    left = original.total_pence - already_credited_pence
    if note.total_pence > left:
        raise IllegalTransition(f"the credit note of {format_gbp(note.total_pence)} is more than the"
                                f" {format_gbp(left)} of {original.number} left to credit after earlier credit notes",
                                code="credit_exceeds_what_is_left")
    return note


def supplementary_invoice(original: Invoice, lines: Sequence[InvoiceLine], *, number: str, issued_on: date,
                          by: str, why: str, invoice_id: str | None = None) -> Invoice:
    """An invoice adding to `original` for the same period (e.g. a visit verified late)."""
    return _correction(InvoiceKind.SUPPLEMENTARY, original, lines, number=number, issued_on=issued_on, by=by,
                       why=why, invoice_id=invoice_id)


@dataclass(frozen=True, slots=True)
class CorrectionLines:
    """What the actuals now say against what was invoiced: lines to credit and lines to add."""

    to_credit: tuple[InvoiceLine, ...]
    to_add: tuple[InvoiceLine, ...]


def _key_per_visit(line: InvoiceLine) -> tuple:
    return (line.first_day, line.visit_id, line.carer_id)


def _key_per_day(line: InvoiceLine) -> tuple:
    return (line.first_day,)


def corrections_from_actuals(invoiced: Sequence[Invoice], actuals: ConfirmedActuals, *,
                             lines_per_day_setting: bool = False) -> CorrectionLines:
    """Compare the corrected actuals with what is invoiced so far (the self-billed invoice and its
    earlier corrections, void ones left out) and give the differences, line by line."""
    key: Callable[[InvoiceLine], tuple] = _key_per_day if lines_per_day_setting else _key_per_visit
    so_far: dict[tuple, int] = {}
    template: dict[tuple, InvoiceLine] = {}
    for invoice in invoiced:
        if invoice.status is InvoiceStatus.VOID:
            continue
        sign = -1 if invoice.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in invoice.lines:
            if line.agreement_id == actuals.agreement_id:
                so_far[key(line)] = so_far.get(key(line), 0) + sign * line.amount_pence
                template.setdefault(key(line), line)
    now = {key(line): line for line in (lines_per_day(actuals) if lines_per_day_setting else lines_per_visit(actuals))}
    to_credit, to_add = [], []
    for k in sorted(so_far.keys() | now.keys(), key=lambda k: (k[0], *(part or "" for part in k[1:]))):
        was, line = so_far.get(k, 0), now.get(k) or template[k]
        is_now = now[k].amount_pence if k in now else 0
        if is_now == was:
            continue
        why = f"correction: was {format_gbp(was)}, now {format_gbp(is_now)}"
        changed = line._replace(amount_pence=abs(is_now - was), description=f"{line.summary} ({why})")
        (to_add if is_now > was else to_credit).append(changed)
    return CorrectionLines(tuple(to_credit), tuple(to_add))


@dataclass(frozen=True, slots=True)
class ProviderNetting:
    provider_ref: str
    invoices_pence: int
    credits_pence: int
    brought_forward_pence: int  # credit left over from earlier payments
    payable_pence: int  # never negative
    carried_forward_pence: int  # credit left over for the next payment


def net_for_provider(provider_ref: str, documents: Sequence[Invoice], *,
                     brought_forward_pence: int = 0) -> ProviderNetting:
    """One provider's approved invoices less its approved credit notes and any credit brought forward."""
    if brought_forward_pence < 0:
        raise ValueError("credit brought forward cannot be negative")
    for d in documents:
        if d.provider_ref != provider_ref:
            raise ValueError(f"{d.number} is provider {d.provider_ref}'s, not {provider_ref}'s")
        if d.status is not InvoiceStatus.APPROVED:
            raise ValueError(f"{d.number} is {d.status.value}: only approved invoices and credit notes are netted")
    credits = sum(d.total_pence for d in documents if d.kind is InvoiceKind.CREDIT_NOTE)
    invoices = sum(d.total_pence for d in documents if d.kind is not InvoiceKind.CREDIT_NOTE)
    owed_back = credits + brought_forward_pence
    return ProviderNetting(provider_ref, invoices, credits, brought_forward_pence,
                           payable_pence=max(0, invoices - owed_back), carried_forward_pence=max(0, owed_back - invoices))
