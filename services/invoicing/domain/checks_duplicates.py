"""Checks that nothing is paid twice: the provider's invoice number is new, the agreement's dates
are not on another invoice, and no visit or day is claimed twice on this one. Duplicates are held
and never released by an officer (see `holds.NEVER_RELEASED`).
"""
from __future__ import annotations

from services.invoicing.domain.checks_order import label, numbers
from services.invoicing.domain.holds import HoldCode, HoldReason
from services.invoicing.domain.invoice import Invoice, InvoiceLine
from services.invoicing.domain.periods import format_span
from services.invoicing.domain.validation_context import ValidationContext, normalise_invoice_number


def invoice_number_unique(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    seen = {normalise_invoice_number(n) for n in ctx.numbers_already_received}
    if normalise_invoice_number(invoice.number) not in seen:
        return []
    return [HoldReason(HoldCode.INVOICE_NUMBER_ALREADY_USED,
                       f"Invoice number {invoice.number} is already on an earlier invoice from you. If this is the"
                       " same invoice sent again, nothing more is needed; if not, give it a number of its own and"
                       " send it again.", reference=invoice.number)]


def period_not_already_invoiced(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    earlier_by_agreement: dict[str, list] = {}
    for earlier in ctx.already_invoiced:
        earlier_by_agreement.setdefault(earlier.agreement_id, []).append(earlier)
    clashes: dict[tuple[str, str], list[InvoiceLine]] = {}
    for line in invoice.lines:
        for earlier in earlier_by_agreement.get(line.agreement_id, ()):
            if earlier.period.overlap(line.days):
                clashes.setdefault((line.agreement_id, earlier.invoice_number), []).append(line)
    reasons = []
    for (agreement_id, earlier_number), lines in clashes.items():
        first, last = min(line.first_day for line in lines), max(line.last_day for line in lines)
        reasons.append(HoldReason(HoldCode.PERIOD_ALREADY_INVOICED,
                                  f"{label(lines)}: agreement {agreement_id} for {format_span(first, last)} is already"
                                  f" invoiced on {earlier_number}; send a supplementary invoice or a credit note for"
                                  " a change, not a second invoice.", numbers(lines), agreement_id,
                                  reference=earlier_number))
    return reasons


def nothing_claimed_twice(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    """The same visit and carer on two lines, two lines over the same days, or a visit inside a
    line that already covers its day."""
    by_agreement: dict[str, list[InvoiceLine]] = {}
    for line in invoice.lines:
        by_agreement.setdefault(line.agreement_id, []).append(line)
    reasons = []
    for agreement_id, lines in by_agreement.items():
        repeated: list[tuple[InvoiceLine, InvoiceLine]] = []
        visits: dict[str, list[InvoiceLine]] = {}
        for line in lines:
            if line.visit_id is not None:
                for other in visits.get(line.visit_id, ()):
                    if other.carer_id is None or line.carer_id is None or other.carer_id == line.carer_id:
                        repeated.append((other, line))
                visits.setdefault(line.visit_id, []).append(line)
        spans = sorted((line for line in lines if line.visit_id is None), key=lambda x: (x.first_day, x.line_number))
        widest: InvoiceLine | None = None  # the span reaching furthest so far
        for span in spans:
            if widest is not None and span.first_day <= widest.last_day:
                repeated.append((widest, span))
            if widest is None or span.last_day > widest.last_day:
                widest = span
        for line in lines:
            if line.visit_id is not None:
                repeated += [(span, line) for span in spans if span.days.contains(line.first_day)]
        for first, second in repeated:
            reasons.append(HoldReason(HoldCode.CLAIMED_TWICE,
                                      f"{label([first, second])} both charge agreement {agreement_id} for "
                                      f"{_what(second)}; keep one of them.",
                                      (first.line_number, second.line_number), agreement_id))
    return reasons


def _what(line: InvoiceLine) -> str:
    if line.visit_id is not None:
        return f"visit {line.visit_id}" + (f" by carer {line.carer_id}" if line.carer_id else "")
    return format_span(line.first_day, line.last_day)
