"""Credit notes and supplementary invoices correct an earlier invoice; a credit note never makes a
payment negative: what is left is carried forward against the provider's next invoices."""
from __future__ import annotations

from dataclasses import replace

import pytest

from services.invoicing.domain.corrections import (corrections_from_actuals, credit_note, line_for_amount,
                                                   net_for_provider, supplementary_invoice)
from services.invoicing.domain.errors import IllegalTransition, InvalidInvoiceInput
from services.invoicing.domain.holds import ValidationOutcome
from services.invoicing.domain.invoice import InvoiceKind, InvoiceStatus
from services.invoicing.domain.lifecycle import record_outcome, submit
from services.invoicing.domain.self_billing import build_self_bill
from services.invoicing.domain.validation import validate
from tests.unit.invoicing.invoicing_builders import PROVIDER, actuals, context, day, home_care, provider, visit

S = InvoiceStatus


def approve(invoice, due=day(38)):
    return record_outcome(submit(invoice, by="run"), ValidationOutcome((), due))


def original(visits=None, per_day=False, number="SB-PRV-1-000001"):
    invoice = build_self_bill(home_care(), actuals(visits=visits), provider(per_day=per_day), number=number,
                              issued_on=day(8), invoice_id=number)
    return approve(invoice)


def test_a_credit_note_is_linked_to_the_invoice_it_corrects_and_counts_negative():
    invoice = original()
    note = credit_note(invoice, invoice.lines[:1], number="CN-PRV-1-000001", issued_on=day(12), by="officer-1",
                       why="visit V-0302 was not delivered (query Q-4)")
    assert (note.kind, note.corrects, note.period, note.total_pence, note.signed_pence) == (
        InvoiceKind.CREDIT_NOTE, invoice.invoice_id, invoice.period, 2400, -2400)
    assert (note.history[0].by, note.history[0].why) == ("officer-1", "visit V-0302 was not delivered (query Q-4)")


def test_a_credit_note_cannot_take_back_more_than_is_left_of_the_invoice():
    invoice = original()
    with pytest.raises(IllegalTransition, match="the £24.00 of SB-PRV-1-000001 left to credit") as refused:
        credit_note(invoice, invoice.lines[:2], number="CN-1", issued_on=day(12), by="o", why="x",
                    already_credited_pence=invoice.total_pence - 2400)
    assert refused.value.code == "credit_exceeds_what_is_left"


def test_a_correction_needs_a_reason_positive_lines_and_the_invoices_own_agreements():
    invoice = original()
    with pytest.raises(InvalidInvoiceInput, match="reason"):
        supplementary_invoice(invoice, invoice.lines[:1], number="SB-2", issued_on=day(12), by="o", why="")
    with pytest.raises(InvalidInvoiceInput, match="positive"):
        supplementary_invoice(invoice, [invoice.lines[0]._replace(amount_pence=0)], number="SB-2",
                              issued_on=day(12), by="o", why="late visit")
    with pytest.raises(InvalidInvoiceInput, match="AGR-9 are not on"):
        credit_note(invoice, [invoice.lines[0]._replace(agreement_id="AGR-9")], number="CN-1", issued_on=day(12),
                    by="o", why="x")


def test_only_an_approved_scheduled_or_paid_invoice_is_corrected():
    draft = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=day(8))
    with pytest.raises(IllegalTransition, match="only an approved, scheduled or paid invoice is corrected"):
        credit_note(draft, draft.lines[:1], number="CN-1", issued_on=day(12), by="o", why="x")


def test_an_amount_goes_on_one_line_of_the_first_agreement_over_the_days_it_charged():
    invoice = original()
    line = line_for_amount(invoice, 500, "query Q-1")
    assert (line.agreement_id, line.first_day, line.last_day, line.amount_pence, line.description) == (
        invoice.lines[0].agreement_id, min(x.first_day for x in invoice.lines), max(x.last_day for x in invoice.lines),
        500, "query Q-1")


def test_an_invoice_naming_no_agreement_or_not_correctable_is_refused_before_any_line_is_made():
    released_unread = replace(original(), lines=())  # every line unreadable, released at £0.00
    for make in (lambda: line_for_amount(released_unread, 100, "x"),
                 lambda: supplementary_invoice(released_unread, [], number="SB-2", issued_on=day(12), by="o",
                                               why="x")):
        with pytest.raises(IllegalTransition, match="names no agreement") as refused:
            make()
        assert refused.value.code == "invoice_names_no_agreement"
    voided = replace(released_unread, status=S.VOID)
    with pytest.raises(IllegalTransition, match="is void") as refused:
        line_for_amount(voided, 100, "x")
    assert refused.value.code == "invoice_not_correctable"
    note = credit_note(original(), original().lines[:1], number="CN-1", issued_on=day(12), by="o", why="x")
    with pytest.raises(IllegalTransition, match="is a credit note") as refused:
        line_for_amount(replace(note, status=S.APPROVED), 100, "x")
    assert refused.value.code == "invoice_is_a_credit_note"


def test_a_late_visit_correction_credits_the_decrease_and_adds_the_increase_per_visit():
    invoice = original()
    corrected = actuals(visits=[visit("V-0302", day(0), minutes=30), *actuals().visits[1:],
                                visit("V-EXTRA", day(3), minutes=45)])
    lines = corrections_from_actuals([invoice], corrected)
    assert [(l.visit_id, l.amount_pence) for l in lines.to_credit] == [("V-0302", 1200)]
    assert [(l.visit_id, l.amount_pence) for l in lines.to_add] == [("V-EXTRA", 1800)]
    assert lines.to_credit[0].description.endswith("(correction: was £24.00, now £12.00)")


def test_corrections_already_raised_are_not_raised_again():
    invoice = original()
    corrected = actuals(visits=[visit("V-0302", day(0), minutes=30), *actuals().visits[1:]])
    first = corrections_from_actuals([invoice], corrected)
    note = approve(credit_note(invoice, first.to_credit, number="CN-PRV-1-000001", issued_on=day(12), by="late ECM",
                               why="visit V-0302 re-verified"))
    assert corrections_from_actuals([invoice, note], corrected) == type(first)((), ())


def test_per_day_corrections_compare_day_totals():
    invoice = original(per_day=True)
    corrected = actuals(visits=[*actuals().visits, visit("V-LATE", day(2), minutes=15)])
    lines = corrections_from_actuals([invoice], corrected, lines_per_day_setting=True)
    assert lines.to_credit == () and [(l.first_day, l.amount_pence) for l in lines.to_add] == [(day(2), 600)]


def test_a_supplementary_invoice_is_checked_against_the_agreement_but_not_as_a_second_period_invoice():
    invoice = original()
    supplement = supplementary_invoice(invoice, [invoice.lines[0]._replace(visit_id="V-EXTRA", amount_pence=1800)],
                                       number="SB-PRV-1-000002", issued_on=day(12), by="late ECM",
                                       why="visit verified late")
    assert supplement.kind is InvoiceKind.SUPPLEMENTARY and supplement.corrects == invoice.invoice_id
    assert validate(supplement, context(home_care(), confirmed=(actuals(),))).approved


def test_netting_pays_invoices_less_credit_notes():
    invoices = [original(number="SB-PRV-1-000001"), original(number="SB-PRV-1-000002")]
    note = approve(credit_note(invoices[0], invoices[0].lines[:1], number="CN-PRV-1-000001", issued_on=day(12),
                               by="o", why="x"))
    netting = net_for_provider(PROVIDER, [*invoices, note])
    assert (netting.invoices_pence, netting.credits_pence, netting.payable_pence, netting.carried_forward_pence) == (
        2 * 16800, 2400, 2 * 16800 - 2400, 0)


def test_a_credit_note_larger_than_the_invoices_pays_nothing_and_carries_the_rest_forward():
    big = original()
    small = original(visits=[visit("V-1", day(0))], number="SB-PRV-1-000002")
    note = approve(credit_note(big, big.lines, number="CN-PRV-1-000001", issued_on=day(12), by="o", why="x"))
    now = net_for_provider(PROVIDER, [small, note])
    assert (now.payable_pence, now.carried_forward_pence) == (0, 16800 - 2400)
    later = net_for_provider(PROVIDER, [original(number="SB-PRV-1-000003")],
                             brought_forward_pence=now.carried_forward_pence)
    assert (later.payable_pence, later.carried_forward_pence) == (16800 - 14400, 0)


def test_netting_takes_only_this_providers_approved_documents():
    with pytest.raises(ValueError, match="PRV-2"):
        net_for_provider("PRV-2", [original()])
    held = replace(original(), status=S.HELD)
    with pytest.raises(ValueError, match="only approved"):
        net_for_provider(PROVIDER, [held])
