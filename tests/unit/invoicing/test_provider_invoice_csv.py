"""Provider invoices uploaded as CSV: header-mapped, BOM/CRLF tolerant, every row kept, and a
wrong row named by its row number in the held invoice's reasons."""
from __future__ import annotations

import pytest

from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.invoice_csv import UnreadableInvoiceFile, parse_invoice_csv
from services.invoicing.domain.lifecycle import record_outcome, submit
from services.invoicing.domain.periods import Period
from services.invoicing.domain.provider_invoices import receive_provider_invoice
from services.invoicing.domain.validation import validate
from tests.unit.invoicing.invoicing_builders import PROVIDER, WEEK, actuals, context, day, home_care

HEADER = "invoice_number,agreement_ref,service_user_ref,date_from,visit_id,carer_id,amount"


def week_rows(amounts: dict[int, str] | None = None) -> list[str]:
    amounts = amounts or {}
    return [f"INV-100,AGR-1,P-1,{d:%d/%m/%Y},V-{d:%m%d},C-1,{amounts.get(n, '24.00')}"
            for n, d in enumerate(WEEK.days())]


def upload(text: str | bytes):
    return parse_invoice_csv(text, provider_ref=PROVIDER, received_on=day(8))


def only_invoice(text: str | bytes):
    result = upload(text)
    assert len(result.invoices) == 1 and result.problems == ()
    return receive_provider_invoice(result.invoices[0], invoice_id="inv-1")


def test_a_csv_invoice_reads_into_the_same_lines_as_a_json_one():
    invoice = only_invoice("\n".join([HEADER, *week_rows()]))
    assert invoice.number == "INV-100" and invoice.period == WEEK and invoice.total_pence == 7 * 2400
    first = invoice.lines[0]
    assert (first.line_number, first.agreement_id, first.person_ref, first.first_day, first.visit_id,
            first.carer_id, first.amount_pence, first.source_row) == (1, "AGR-1", "P-1", day(0), "V-0302", "C-1",
                                                                       2400, 2)


def test_columns_are_found_by_name_in_any_order_and_case_with_extra_columns_ignored():
    text = ("Amount,Notes,Service User Ref,Invoice-Number,Agreement Ref,Date\r\n"
            "£1,234.56,hello,P-1,INV-1,AGR-1,2026-03-02\r\n").replace("£1,234.56", '"£1,234.56"')
    line = only_invoice(text).lines[0]
    assert (line.amount_pence, line.person_ref, line.first_day) == (123456, "P-1", day(0))


def test_a_file_saved_from_excel_with_bom_and_crlf_reads_the_same():
    plain = only_invoice("\n".join([HEADER, *week_rows()]) + "\n")
    excel = only_invoice(("\ufeff" + "\r\n".join([HEADER, *week_rows()]) + "\r\n").encode("utf-8"))
    assert excel.lines == plain.lines


def test_a_windows_1252_file_is_read_too():
    text = "invoice_number,agreement_ref,service_user_ref,date_from,amount\nINV-1,AGR-1,P-1,02/03/2026,£24.00\n"
    assert only_invoice(text.encode("cp1252")).lines[0].amount_pence == 2400


def test_a_week_line_covers_monday_to_sunday():
    text = "invoice_number,agreement_ref,service_user_ref,week_commencing,amount\nINV-1,AGR-1,P-1,02/03/2026,168\n"
    line = only_invoice(text).lines[0]
    assert line.days == WEEK and line.amount_pence == 16800


def test_missing_required_columns_reject_the_file_naming_them_all():
    with pytest.raises(UnreadableInvoiceFile, match="no column agreement_ref, amount"):
        upload("invoice_number,service_user_ref,date_from\nINV-1,P-1,02/03/2026\n")
    with pytest.raises(UnreadableInvoiceFile, match="empty"):
        upload("")


def test_a_row_that_cannot_be_read_is_kept_with_its_row_number_and_problems():
    invoice = only_invoice("\n".join([HEADER, *week_rows({2: "twenty"})]))
    assert len(invoice.lines) == 6
    (bad,) = invoice.unreadable
    assert (bad.line_number, bad.source_row) == (3, 4)
    assert bad.problems == ("amount 'twenty' is not an amount in pounds and pence (e.g. 24.00)",)
    assert ("visit_id", "V-0304") in bad.raw


def test_every_problem_of_a_row_is_listed():
    invoice = only_invoice(f"{HEADER}\nINV-1,,P-1,31/02/2026,V-1,C-1,\n")
    assert invoice.unreadable[0].problems == (
        "amount is empty", "date_from '31/02/2026' is not a date (use dd/mm/yyyy or yyyy-mm-dd)",
        "agreement_ref is empty")


def test_a_row_with_no_dates_or_a_week_not_starting_monday_is_unreadable():
    text = ("invoice_number,agreement_ref,service_user_ref,date_from,week_commencing,amount\n"
            "INV-1,AGR-1,P-1,,,24.00\nINV-1,AGR-1,P-1,,03/03/2026,24.00\nINV-1,AGR-1,P-1,02/03/2026,,-5.00\n")
    invoice = only_invoice(text)
    assert [(u.source_row, u.problems[0]) for u in invoice.unreadable] == [
        (2, "date_from (or week_commencing) is empty: say which dates the line is for"),
        (3, "week_commencing: 2026-03-03 is a Tuesday: weeks start on a Monday"),
        (4, "amount: a line cannot be negative: send a credit note for money owed back")]


def test_a_formula_quoted_back_in_a_problem_is_defused():
    invoice = only_invoice(f"{HEADER}\nINV-1,AGR-1,P-1,02/03/2026,V-1,C-1,=HYPERLINK(\"x\")\n")
    assert "'=HYPERLINK" in invoice.unreadable[0].problems[0]
    assert ("amount", "'=HYPERLINK(\"x\")") in invoice.unreadable[0].raw


def test_a_file_may_hold_several_invoices_grouped_by_number():
    text = "\n".join([HEADER, *week_rows()[:2], "INV-101,AGR-1,P-1,04/03/2026,V-0304,C-1,24.00"])
    result = upload(text)
    assert [(s.invoice_number, len(s.lines)) for s in result.invoices] == [("INV-100", 2), ("INV-101", 1)]


def test_a_row_without_an_invoice_number_joins_the_only_invoice_as_unreadable_or_is_reported():
    single = only_invoice("\n".join([HEADER, week_rows()[0], ",AGR-1,P-1,03/03/2026,V-2,C-1,24.00"]))
    assert [(u.source_row, u.problems) for u in single.unreadable] == [(3, ("invoice_number is empty",))]
    several = upload("\n".join([HEADER, week_rows()[0], "INV-2,AGR-1,P-1,03/03/2026,V-2,C-1,24.00",
                                ",AGR-1,P-1,03/03/2026,V-3,C-1,24.00"]))
    assert several.problems == ("row 4: invoice_number is empty, and the file holds 2 invoices: say which invoice"
                                " the row belongs to",)


def test_the_invoice_date_and_period_are_read_from_the_rows_and_must_agree():
    text = ("invoice_number,invoice_date,period_start,period_end,agreement_ref,service_user_ref,date_from,amount\n"
            "INV-1,09/03/2026,02/03/2026,08/03/2026,AGR-1,P-1,02/03/2026,24.00\n"
            "INV-1,10/03/2026,02/03/2026,08/03/2026,AGR-1,P-1,03/03/2026,24.00\n")
    invoice = only_invoice(text)
    assert invoice.provider_dated == day(7) and invoice.period == Period(day(0), day(6))
    assert invoice.unreadable[0].problems == ("invoice_date 10/03/2026 differs from 09/03/2026 on an earlier row of"
                                              " the same invoice",)


def held_for(text: str):
    invoice = only_invoice(text)
    outcome = validate(invoice, context(home_care(), confirmed=(actuals(),)))
    return record_outcome(submit(invoice, by="upload"), outcome)


def test_a_csv_with_two_wrong_amounts_is_held_with_reasons_naming_those_lines_and_rows():
    held = held_for("\n".join([HEADER, *week_rows({1: "30.00", 4: "12.00"})]))
    assert held.status.value == "held"
    assert [(r.code, r.line_numbers, r.expected_pence) for r in held.holds] == [
        (HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS, (2,), 2400), (HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS, (5,), 2400)]
    assert held.holds[0].message.startswith("Line 2 (row 3 of the file) claims £30.00 but the verified visit")
    assert held.holds[1].message.startswith("Line 5 (row 6 of the file) claims £12.00")


def test_a_csv_with_two_unreadable_lines_is_held_naming_those_lines_and_rows():
    rows = week_rows({0: "abc"})
    rows[5] = rows[5].replace("07/03/2026", "7th March")
    held = held_for("\n".join([HEADER, *rows]))
    assert [(r.code, r.line_numbers) for r in held.holds] == [(HoldCode.LINE_UNREADABLE, (1,)),
                                                              (HoldCode.LINE_UNREADABLE, (6,))]
    assert held.holds[0].message == ("Line 1 (row 2 of the file) cannot be read: amount 'abc' is not an amount in"
                                     " pounds and pence (e.g. 24.00). Correct it and send the invoice again.")
    assert held.holds[1].message.startswith("Line 6 (row 7 of the file) cannot be read: date_from '7th March'")
