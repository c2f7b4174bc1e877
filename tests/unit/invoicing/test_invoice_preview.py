"""The dry run: exactly the invoice that would be raised now, numbered as it would be, and what
validation would say, with nothing stored (the same function raises it for real)."""
from __future__ import annotations

import pytest

from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.facts import InvoicedPeriod
from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.invoice import InvoiceKind, InvoiceStatus
from services.invoicing.domain.raising import invoice_for_period, preview
from services.invoicing.domain.self_billing import ActualsNotConfirmed
from tests.unit.invoicing.invoicing_builders import (FOUR_WEEKS, WEEK, actuals, context, day, home_care, provider,
                                                     residential)


def test_the_preview_of_a_self_billed_week_is_the_invoice_that_would_be_raised_with_the_next_number():
    shown = preview(home_care(), WEEK, provider(), today=day(8), last_number_issued=41, actuals=actuals())
    raised = invoice_for_period(home_care(), WEEK, provider(), number="SB-PRV-1-000042", issued_on=day(8),
                                actuals=actuals(), invoice_id="preview")
    assert shown.invoice == raised and shown.outcome is None
    assert shown.invoice.kind is InvoiceKind.SELF_BILLED and shown.invoice.status is InvoiceStatus.DRAFT


def test_the_preview_of_a_plan_agreement_is_its_scheduled_invoice():
    shown = preview(residential(start=day(3)), FOUR_WEEKS, provider(), today=day(28), last_number_issued=None)
    assert shown.invoice.kind is InvoiceKind.SCHEDULED and shown.invoice.number == "SC-PRV-1-000001"
    assert shown.invoice.total_pence == 25 * 10000


def test_a_preview_with_facts_shows_whether_it_would_be_approved_and_when_due():
    shown = preview(home_care(), WEEK, provider(), today=day(8), last_number_issued=0, actuals=actuals(),
                    context=context(home_care(), confirmed=(actuals(),)))
    assert shown.outcome.approved and shown.invoice.status is InvoiceStatus.APPROVED
    assert shown.invoice.due_on == day(38) and shown.invoice.history == ()


def test_a_preview_of_a_period_already_invoiced_shows_it_would_be_held():
    facts = context(home_care(), confirmed=(actuals(),), already_invoiced=(InvoicedPeriod("AGR-1", WEEK, "SB-7"),))
    shown = preview(home_care(), WEEK, provider(), today=day(8), last_number_issued=7, actuals=actuals(),
                    context=facts)
    assert shown.invoice.status is InvoiceStatus.HELD and shown.outcome.codes == (HoldCode.PERIOD_ALREADY_INVOICED,)


def test_no_preview_without_confirmed_actuals_for_the_period():
    with pytest.raises(ActualsNotConfirmed):
        preview(home_care(), WEEK, provider(), today=day(8), last_number_issued=0)


def test_an_agreement_whose_provider_invoices_itself_has_no_council_invoice_to_preview():
    with pytest.raises(InvalidInvoiceInput, match="invoices agreement AGR-1 itself"):
        preview(home_care(), WEEK, provider(self_billing=False), today=day(8), last_number_issued=0,
                actuals=actuals())
