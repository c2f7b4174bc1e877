"""Hostile invoice files: wrong encodings read or refused with a reason, a file too big refused
before it fills memory, and formula cells quoted back defused."""
from __future__ import annotations

import csv
import io

import pytest

from services.invoicing.domain.invoice_csv import MAX_ROWS, InvoiceFileTooLarge, UnreadableInvoiceFile
from tests.unit.invoicing.test_provider_invoice_csv import HEADER, upload, week_rows


def test_a_utf16_file_with_its_byte_order_mark_is_read_like_utf8():
    text = "\r\n".join([HEADER, *week_rows()])
    assert upload(text.encode("utf-16")) == upload(text.encode())


def test_a_utf16_file_without_a_byte_order_mark_is_refused_saying_to_save_it_as_utf8():
    with pytest.raises(UnreadableInvoiceFile, match="CSV UTF-8"):
        upload("\n".join([HEADER, *week_rows()]).encode("utf-16-le"))


def test_a_windows_1252_pound_sign_is_read_as_pounds():
    [invoice] = upload("\n".join([HEADER, "INV-1,AGR-1,P-1,02/03/2026,V-1,C-1,\"£1,234.56\""]).encode("cp1252")).invoices
    assert invoice.lines[0].amount_pence == 123456


def test_more_rows_than_one_upload_may_hold_is_refused_as_too_large():
    rows = "INV-1,AGR-1,P-1,02/03/2026,V-1,C-1,1.00\n" * (MAX_ROWS + 1)
    with pytest.raises(InvoiceFileTooLarge, match="more than 100,000 rows"):
        upload(f"{HEADER}\n{rows}".encode())


def _defused(text: str, cell: str) -> bool:
    """Every copy of `cell` in `text` follows a `'`, so a spreadsheet shows it as text."""
    at = text.find(cell)
    while at != -1:
        if at == 0 or text[at - 1] != "'":
            return False
        at = text.find(cell, at + 1)
    return True


def test_formula_cells_are_quoted_back_defused():
    hostile = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1:A9)"]
    out = io.StringIO()
    csv.writer(out).writerows([HEADER.split(","), *([cell, "AGR-1", "P-1", cell, "V-1", "C-1", cell] for cell in hostile)])
    invoices = upload(out.getvalue().encode()).invoices
    quoted = [text for invoice in invoices for line in invoice.unreadable
              for text in (*(v for _, v in line.raw), *line.problems)]
    assert sum(len(invoice.unreadable) for invoice in invoices) == len(hostile)
    for cell in hostile:
        assert any(cell in text for text in quoted), f"{cell} is not quoted back at all"
        assert all(_defused(text, cell) for text in quoted), [t for t in quoted if not _defused(t, cell)]
