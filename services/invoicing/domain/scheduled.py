"""Scheduled invoices: the council raises plan-based agreements' invoices from the plan.

One invoice per agreement per period, a line per span of the plan (see `plan_pricing` for the
daily pro-rata convention): part periods at the start or end, variations and suspensions cut
spans, and the invoice total is the sum of its lines. An individual service fund (mechanism isf)
is never invoiced in arrears: it is advanced before each period with the same lines
(`isf_advances`).
"""
from __future__ import annotations

from datetime import date

from contracts.common import PaymentBasis, SpendMechanism
from services.invoicing.domain.errors import InvalidInvoiceInput, NothingToInvoice
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceLine, new_invoice_id
from services.invoicing.domain.periods import Period
from services.invoicing.domain.plan_pricing import plan_spans


def plan_lines(agreement: AgreementOnFile, period: Period) -> tuple[InvoiceLine, ...]:
    return tuple(InvoiceLine(n, agreement.agreement_id, agreement.person_ref, span.first, span.last,
                             span.amount_pence, rate_pence=span.terms.rate_pence, units=span.terms.weekly_units,
                             description=span.description)
                 for n, span in enumerate(plan_spans(agreement, period), start=1))


def plan_invoice(agreement: AgreementOnFile, period: Period, kind: InvoiceKind, *, number: str, issued_on: date,
                 invoice_id: str | None = None) -> Invoice:
    """The council's invoice of `kind` charging the plan's spans of `period` (scheduled or ISF advance)."""
    if agreement.basis is not PaymentBasis.PLAN:
        raise InvalidInvoiceInput("basis", f"agreement {agreement.agreement_id} is paid on actuals: it is"
                                           " self-billed or invoiced by the provider, not raised from a plan")
    lines = plan_lines(agreement, period)
    if not lines:
        raise NothingToInvoice(f"agreement {agreement.agreement_id} has no payable day in {period}")
    return Invoice(invoice_id or new_invoice_id(), kind, agreement.provider_ref, number, period, issued_on, lines)


def build_scheduled_invoice(agreement: AgreementOnFile, period: Period, *, number: str, issued_on: date,
                            invoice_id: str | None = None) -> Invoice:
    """The draft scheduled invoice of a plan-based agreement for `period` (never an ISF's)."""
    if agreement.mechanism is SpendMechanism.ISF:
        raise InvalidInvoiceInput("mechanism", f"agreement {agreement.agreement_id} is an individual service fund:"
                                               " it is advanced before each period, not invoiced in arrears")
    return plan_invoice(agreement, period, InvoiceKind.SCHEDULED, number=number, issued_on=issued_on,
                        invoice_id=invoice_id)
