"""Remittance advice per provider: every invoice, credit and period a payment covers."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

from contracts.common import ServiceType
from services.payments.domain.files.remittance import provider_payments, remittance_csv, remittance_html
from services.payments.domain.inputs import CreditNote, ProviderCredit
from tests.unit.payments.builders import a_sound_run, approved, invoice, payee, propose


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_remittance_lists_every_invoice_and_credit_with_its_period_and_a_total():
    run = a_sound_run()
    payment = provider_payments(run)[0]
    lines = rows(remittance_csv(run, payment))
    assert [(r["line_type"], r["period_start"], r["period_end"], r["amount"]) for r in lines] == [
        ("invoice", "2026-02-23", "2026-03-01", "123.45"), ("invoice", "2026-02-23", "2026-03-01", "200.00"),
        ("credit_note", "2026-02-23", "2026-03-01", "-23.45"), ("total", "", "", "300.00")]


def test_direct_payments_get_no_provider_remittance():
    run = a_sound_run()
    assert [p.payee_id for p in provider_payments(run)] == ["PRV-1", "PRV-2"]


def test_csv_cells_starting_like_a_formula_are_neutralised():
    run = approved(propose([invoice(person_ref="+44 123", credits=(100,))],
                           {"PRV-1": payee(name="=HYPERLINK(\"http://x\")")}))
    text = remittance_csv(run, run.payments[0])
    for row in rows(text):
        for column in ("reference", "person_ref", "payee", "payment_reference"):
            assert not row[column].startswith(("=", "+", "-", "@")), row[column]
    assert "'=HYPERLINK" in text and "'+44 123" in text


def test_negative_amounts_stay_numbers():
    run = approved(propose([invoice(pence=1_000, credits=(250,))]))
    assert rows(remittance_csv(run, run.payments[0]))[1]["amount"] == "-2.50"


def test_printable_page_lists_each_line_and_escapes_text():
    run = approved(propose([invoice(invoice_number="<script>alert(1)</script>")]))
    page = remittance_html(run, run.payments[0], "Anyshire County Council")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "23/02/2026 to 01/03/2026" in page and "£100.00" in page
    assert "account ending 0000" in page and "@media print" in page


def test_remittance_is_identical_on_re_export():
    first, second = a_sound_run(), a_sound_run()
    assert remittance_csv(first, first.payments[0]) == remittance_csv(second, second.payments[0])
    assert remittance_html(first, first.payments[0], "C") == remittance_html(second, second.payments[0], "C")


REASON = "Overpayment: agreement AGR-1 ended 18 Feb 2026; 10 day(s) after it were paid on SC-PRV-1-000004"


def _with_credits():
    """A £100.00 invoice with a credit note against it, and a credit note on an invoice already paid."""
    paid = ProviderCredit("CN-ID-9", "PRV-1", "INV-PAID", 1_500, ServiceType.RESIDENTIAL, "", date(2026, 2, 9),
                          date(2026, 3, 8), "CN-PRV-1-000009", "P-1", reason=REASON)
    note = CreditNote("CN-ID-1", 250, "visits corrected after the actuals were confirmed", "CN-PRV-1-000001")
    run = approved(propose([replace(invoice(pence=10_000), credit_notes=(note,))], credits=[paid]))
    return run, run.payments[0]


def test_a_credit_note_s_line_says_why_it_was_raised():
    run, payment = _with_credits()
    lines = rows(remittance_csv(run, payment))
    assert [(r["line_type"], r["reference"], r["reason"], r["amount"]) for r in lines] == [
        ("invoice", "Invoice P-INV-1", "", "100.00"),
        ("credit_note", "Credit note CN-PRV-1-000001 against P-INV-1",
         "visits corrected after the actuals were confirmed", "-2.50"),
        ("credit_note", "Credit note CN-PRV-1-000009 against paid invoice INV-PAID", REASON, "-15.00"),
        ("total", "", "", "82.50")]
    page = remittance_html(run, payment, "Anyshire County Council")
    assert f'<span class="reason">{REASON}</span>' in page
    assert "visits corrected after the actuals were confirmed" in page


def test_a_reason_is_escaped_on_the_page_and_neutralised_in_the_csv():
    run, payment = _with_credits()
    lines = tuple(replace(ln, reason="=cmd|'/c calc'!A1 <b>") if ln.kind == "credit_note" else ln
                  for ln in payment.lines)
    payment = replace(payment, lines=lines)
    assert {r["reason"] for r in rows(remittance_csv(run, payment)) if r["line_type"] == "credit_note"} == {
        "'=cmd|'/c calc'!A1 <b>"}
    page = remittance_html(run, payment, "C")
    assert "<b>" not in page and "&lt;b&gt;" in page
