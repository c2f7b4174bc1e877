"""An invoice as the contract's events and as table rows: what is announced for each kind and
outcome, and a stored invoice reads back as it was written."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from services.invoicing.api.models import read_lines
from services.invoicing.domain.corrections import credit_note
from services.invoicing.domain.disputes import open_dispute
from services.invoicing.domain.holds import HoldCode, HoldReason, ValidationOutcome
from services.invoicing.domain.lifecycle import record_outcome, submit
from services.invoicing.domain.payment_terms import due_date
from services.invoicing.domain.self_billing import build_self_bill
from services.invoicing.events import outcome_events, raised_event
from services.invoicing.store.invoices import Filed, filed_from, invoice_record, line_records
from services.invoicing.store.invoices import INVOICE_COLUMNS, LINE_COLUMNS
from tests.unit.invoicing.invoicing_builders import MONDAY, actuals, day, home_care, provider

ISSUED = day(8)


def _approved() -> Filed:
    invoice = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=ISSUED)
    approved = record_outcome(submit(invoice, by="run"), ValidationOutcome((), due_date(ISSUED, 30)))
    return Filed(approved, "self_billing", "home_care", approval_revision=1)


def test_a_self_bill_is_issued_then_approved_with_its_due_date_and_revision():
    filed = _approved()
    issued = raised_event(filed)
    assert (issued.EVENT_TYPE, issued.kind, issued.total_pence, issued.line_count) == ("InvoiceIssued", "self_billed",
                                                                                      7 * 2400, 7)
    [approved] = outcome_events(filed, last_payable_date=None)
    assert (approved.revision, approved.due_date, approved.valid_on) == (1, ISSUED + timedelta(days=30), ISSUED)
    assert approved.service_type == "home_care"


def test_an_invoice_for_the_week_its_agreement_ended_pays_only_up_to_the_end():
    filed = _approved()
    ended = MONDAY + timedelta(days=1)  # died on the Tuesday: the week's visits up to then are owed
    [approved] = outcome_events(filed, last_payable_date=ended)
    assert (approved.period_start, approved.period_end) == (MONDAY, ended)
    [open_ended] = outcome_events(filed, last_payable_date=None)
    assert open_ended.period_end == filed.invoice.period.last


def test_a_disputed_invoice_is_announced_held_and_disputed():
    disputed = open_dispute(_approved().invoice, query_ref="Q-1", opened_on=day(9), by="queries")
    [held] = outcome_events(Filed(disputed, "self_billing"))
    assert held.disputed and [r.code for r in held.reasons] == ["disputed"]


def test_a_held_invoice_names_its_lines_and_expected_figures_in_the_event():
    invoice = build_self_bill(home_care(), actuals(), provider(), number="SB-PRV-1-000001", issued_on=ISSUED)
    reason = HoldReason(HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS, "Line 2 ...", (2,), "AGR-1", 2400, 3000)
    held = record_outcome(submit(invoice, by="run"), ValidationOutcome((reason,)))
    [event] = outcome_events(Filed(held, "json"))
    assert [(r.code, r.lines, r.expected_pence) for r in event.reasons] == [("amount_differs_from_actuals", [2], 2400)]


def test_an_approved_credit_note_is_announced_once_as_issued_echoing_the_query():
    original = _approved()
    note = credit_note(original.invoice, original.invoice.lines[:1], number="CN-PRV-1-000001", issued_on=day(9),
                       by="u-1", why="query Q-1")
    approved = record_outcome(submit(note, by="run"), ValidationOutcome((), day(39)))
    filed = Filed(approved, "query", query_id="Q-1", effect_id="E-1")
    issued = raised_event(filed)
    assert (issued.EVENT_TYPE, issued.corrects_invoice_id, issued.query_id, issued.effect_id) == (
        "CreditNoteIssued", original.invoice.invoice_id, "Q-1", "E-1")
    assert outcome_events(filed) == []


def test_an_invoice_reads_back_from_its_rows_as_it_was_written():
    filed = _approved()
    row = dict(zip(INVOICE_COLUMNS, invoice_record(filed)))
    lines = [dict(zip(LINE_COLUMNS, r)) for r in line_records(filed.invoice)]
    back = filed_from(row, lines)
    assert back.invoice == replace(filed.invoice, history=())
    assert (back.agreement_id, back.approval_revision, back.service_type) == ("AGR-1", 1, "home_care")
    assert row["hold_codes"] == [] and row["period_first"] == MONDAY


def test_a_json_line_that_cannot_be_read_is_kept_with_what_is_wrong():
    lines, unreadable = read_lines([
        {"agreement_ref": "AGR-1", "service_user_ref": "P-1", "amount_pence": 2400, "date_from": "2026-03-02"},
        {"agreement_ref": "AGR-1", "amount_pence": "lots"}])
    assert [line.amount_pence for line in lines] == [2400]
    [bad] = unreadable
    assert bad.line_number == 2 and any("service_user_ref" in p for p in bad.problems)
    assert any("amount_pence" in p for p in bad.problems) and ("amount_pence", "lots") in bad.raw


def test_a_credit_note_publishes_its_reason_only_when_the_rules_worded_it():
    original = _approved().invoice
    said = {}
    for source in ("officer", "query", "actuals_correction", "overpayment", "isf_surplus"):
        note = credit_note(original, original.lines[:1], number="CN-PRV-1-000001", issued_on=day(12), by="someone",
                           why=f"why: {source}")
        event = raised_event(Filed(note, source, "home_care"))
        said[event.cause] = event.reason
    # An officer's or a query's free text (it may name the person) never leaves invoicing.
    assert said == {"officer": None, "query": None, "late_correction": "why: actuals_correction",
                    "overpayment": "why: overpayment", "isf_surplus": "why: isf_surplus"}
