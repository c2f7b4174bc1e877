"""Validation: run the checks that apply to the invoice's kind and give one explicit outcome.

Approved (with its due date) when no check finds anything; otherwise held with every reason
found, so a provider fixes everything at once. Council-raised invoices skip the provider's
invoice-number check (their numbers are gapless by construction); corrections skip the checks
that judge a whole period (a supplementary or credit note is a difference, and is for a period
already invoiced by design), but not the safety bound: a supplementary invoice or credit note
(from a query's outcome, an officer, or late visit corrections) above it is held ABOVE_COMMITMENT
like any invoice. A supplementary is bounded with what its agreements are already invoiced for
the period (`ValidationContext.corrected_pence`): the whole payment, not just the top-up. An ISF
advance is checked like a scheduled invoice, and due by its own rule (`payment_terms.invoice_due_date`).
A credit note recovering an overpayment after an agreement's end is checked against its agreement only
(`CHECKS_BY_SOURCE`).
"""
from __future__ import annotations

from collections.abc import Callable

from services.invoicing.domain import checks_amounts as amounts
from services.invoicing.domain import checks_duplicates as duplicates
from services.invoicing.domain import checks_order as order
from services.invoicing.domain.holds import HoldReason, ValidationOutcome
from services.invoicing.domain.invoice import Invoice, InvoiceKind
from services.invoicing.domain.payment_terms import invoice_due_date
from services.invoicing.domain.validation_context import ValidationContext

Check = Callable[[Invoice, ValidationContext], list[HoldReason]]

ALL_CHECKS: tuple[Check, ...] = (
    order.has_lines,
    order.lines_readable,
    duplicates.invoice_number_unique,
    order.agreement_exists,
    order.agreement_of_this_provider,
    order.agreement_of_this_person,
    order.agreement_active_on_line_dates,
    duplicates.period_not_already_invoiced,
    duplicates.nothing_claimed_twice,
    amounts.actuals_confirmed,
    amounts.visits_verified,
    amounts.amounts_agree,
    order.bank_details_verified,
    amounts.within_safety_bound,
)
_COUNCIL_RAISED = tuple(c for c in ALL_CHECKS if c not in (duplicates.invoice_number_unique, order.lines_readable))
_AGREEMENT = (order.has_lines, order.agreement_exists, order.agreement_of_this_provider,
              order.agreement_of_this_person, order.agreement_active_on_line_dates)

CHECKS_BY_KIND: dict[InvoiceKind, tuple[Check, ...]] = {
    InvoiceKind.PROVIDER_SUBMITTED: ALL_CHECKS,
    InvoiceKind.SELF_BILLED: _COUNCIL_RAISED,
    InvoiceKind.SCHEDULED: _COUNCIL_RAISED,
    InvoiceKind.ISF_ADVANCE: _COUNCIL_RAISED,  # checked like the scheduled invoice it replaces
    InvoiceKind.SUPPLEMENTARY: _AGREEMENT + (duplicates.nothing_claimed_twice, order.bank_details_verified,
                                             amounts.within_safety_bound),
    InvoiceKind.CREDIT_NOTE: _AGREEMENT + (amounts.within_safety_bound,),
}
# A credit note for money paid after an agreement's end (source "overpayment") credits days the agreement no
# longer covered, and so had no commitment for, and never more than the invoice it corrects charged for them:
# it is checked against the agreement it names only (not held as "not active" or "above commitment").
CHECKS_BY_SOURCE: dict[tuple[InvoiceKind, str], tuple[Check, ...]] = {
    (InvoiceKind.CREDIT_NOTE, "overpayment"): (order.has_lines, order.agreement_exists,
                                               order.agreement_of_this_provider, order.agreement_of_this_person),
}


def validate(invoice: Invoice, ctx: ValidationContext, source: str | None = None) -> ValidationOutcome:
    """The outcome of the three-way match for `invoice` (filed from `source`), given the facts in `ctx`."""
    if ctx.provider.provider_ref != invoice.provider_ref:
        raise ValueError(f"facts of provider {ctx.provider.provider_ref} given for an invoice of "
                         f"{invoice.provider_ref}")
    checks = CHECKS_BY_SOURCE.get((invoice.kind, source or ""), None) or CHECKS_BY_KIND[invoice.kind]
    reasons = tuple(reason for check in checks for reason in check(invoice, ctx))
    if reasons:
        return ValidationOutcome(reasons)
    return ValidationOutcome((), invoice_due_date(invoice, ctx.settings.payment_terms_days))
