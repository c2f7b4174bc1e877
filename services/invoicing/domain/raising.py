"""What the council raises for an agreement and a period, and the dry run (preview) of it.

`invoice_for_period` is the one place that decides: an individual service fund gets its advance
(`isf_advances`), any other plan agreement a scheduled invoice; an actuals agreement of a provider
with a self-billing agreement gets a self-billed invoice from its confirmed actuals; any other
agreement is invoiced by its provider. `preview` calls the same function with the number the
invoice would take now and validates it the same way, storing and publishing nothing, so the
preview is exactly what would be raised.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.common import PaymentBasis
from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.facts import AgreementOnFile, ConfirmedActuals, ProviderFacts
from services.invoicing.domain.holds import ValidationOutcome
from services.invoicing.domain.invoice import Invoice, InvoiceStatus
from services.invoicing.domain.isf_advances import build_isf_advance, is_isf
from services.invoicing.domain.numbering import Series, format_number, next_number
from services.invoicing.domain.periods import Period
from services.invoicing.domain.scheduled import build_scheduled_invoice
from services.invoicing.domain.self_billing import ActualsNotConfirmed, build_self_bill
from services.invoicing.domain.validation import validate
from services.invoicing.domain.validation_context import ValidationContext

PREVIEW_ID = "preview"


def series_for(agreement: AgreementOnFile) -> Series:
    """The number series of the council's invoice for this agreement: IA for an ISF, SC for other plans,
    SB for actuals."""
    if is_isf(agreement):
        return Series.ISF_ADVANCE
    return Series.SCHEDULED if agreement.basis is PaymentBasis.PLAN else Series.SELF_BILLED


def invoice_for_period(agreement: AgreementOnFile, period: Period, provider: ProviderFacts, *, number: str,
                       issued_on: date, actuals: ConfirmedActuals | None = None,
                       invoice_id: str | None = None) -> Invoice:
    """The draft invoice the council raises for `agreement` over `period`.

    Raises `NothingToInvoice` (nothing payable), `ActualsNotConfirmed` (actuals agreement without
    confirmed actuals for the period) or `InvalidInvoiceInput` (the provider invoices this one).
    """
    if is_isf(agreement):
        return build_isf_advance(agreement, period, number=number, issued_on=issued_on, invoice_id=invoice_id)
    if agreement.basis is PaymentBasis.PLAN:
        return build_scheduled_invoice(agreement, period, number=number, issued_on=issued_on, invoice_id=invoice_id)
    if not provider.self_billing_in_place:
        raise InvalidInvoiceInput("self_billing", f"provider {provider.provider_ref} has no self-billing agreement:"
                                                  f" it invoices agreement {agreement.agreement_id} itself")
    if actuals is None or actuals.period != period:
        raise ActualsNotConfirmed(agreement.agreement_id, period.weeks())
    return build_self_bill(agreement, actuals, provider, number=number, issued_on=issued_on, invoice_id=invoice_id)


@dataclass(frozen=True, slots=True)
class Preview:
    """The invoice that would be raised now, and what validation would say of it (when asked)."""

    invoice: Invoice
    outcome: ValidationOutcome | None


def preview(agreement: AgreementOnFile, period: Period, provider: ProviderFacts, *, today: date,
            last_number_issued: int | None, actuals: ConfirmedActuals | None = None,
            context: ValidationContext | None = None) -> Preview:
    """Dry run: exactly the invoice `invoice_for_period` would raise today, numbered as it would be
    (`last_number_issued` is the provider's last in `series_for(agreement)`)."""
    number = format_number(agreement.provider_ref, next_number(last_number_issued), series_for(agreement))
    invoice = invoice_for_period(agreement, period, provider, number=number, issued_on=today, actuals=actuals,
                                 invoice_id=PREVIEW_ID)
    outcome = validate(invoice, context) if context is not None else None
    if outcome is not None:  # show where it would stand, without any step being recorded
        shown = InvoiceStatus.APPROVED if outcome.approved else InvoiceStatus.HELD
        invoice = replace(invoice, status=shown, holds=outcome.reasons, due_on=outcome.due_on)
    return Preview(invoice, outcome)
