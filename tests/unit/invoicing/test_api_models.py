"""What invoicing's request models accept is what their OpenAPI schemas say: dates as yyyy-mm-dd only (not 0 or
"0", which pydantic alone reads as 1970-01-01), hours as a decimal string to the hundredth, reasons and
numbers that say something (as str.strip() sees it) and hold no NUL; a line that breaks them is kept,
unreadable, so the invoice is held naming it."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from services.invoicing.api.isf_models import IsfReturnLineIn
from services.invoicing.api.models import ProviderInvoiceIn, QueryDate, ReasonIn, read_lines
from shared.bounds import SAYS_SOMETHING as NOT_BLANK


@pytest.mark.parametrize("sent", ["2026-03-02"])
def test_a_date_is_read_from_yyyy_mm_dd(sent):
    assert TypeAdapter(QueryDate).validate_python(sent) == date(2026, 3, 2)


@pytest.mark.parametrize("sent", [0, "0", "20260302", "02/03/2026", 1.5, "2026-03-02T00:00:00"])
def test_anything_else_is_not_a_date(sent):
    with pytest.raises(ValidationError, match="is not a date: use yyyy-mm-dd"):
        TypeAdapter(QueryDate).validate_python(sent)
    with pytest.raises(ValidationError, match="is not a date"):
        ProviderInvoiceIn.model_validate({"invoice_number": "1", "period_end": sent, "lines": [{}]})


@pytest.mark.parametrize(("sent", "read"), [("12.50", Decimal("12.50")), ("8", Decimal(8)), ("0.07", Decimal("0.07"))])
def test_hours_are_a_decimal_string_to_the_hundredth(sent, read):
    assert IsfReturnLineIn(support_type="care", hours=sent, spend_pence=0).hours == read


@pytest.mark.parametrize("sent", [8, 12.5, "1.234", "-1", "abc", "12345678"])
def test_hours_as_a_number_or_finer_than_a_hundredth_are_refused(sent):
    with pytest.raises(ValidationError, match="is not hours as a string"):
        IsfReturnLineIn(support_type="care", hours=sent, spend_pence=0)


@pytest.mark.parametrize(("text", "says_something"), [
    ("x", True), ("  checked on paper ", True), ("   ", False), ("\x1f\x1c", False), ("\t\n", False),
    ("a\x00b", False), ("\u00a0", False)])
def test_a_reason_must_say_something_as_strip_sees_it_and_hold_no_nul(text, says_something):
    assert bool(re.search(NOT_BLANK, text)) is says_something
    assert says_something is (bool(text.strip()) and "\x00" not in text)
    if says_something:
        assert ReasonIn(reason=text).reason == text
    else:
        with pytest.raises(ValidationError):
            ReasonIn(reason=text)


def test_a_line_with_a_nul_or_a_number_for_a_date_is_kept_unreadable_naming_the_field():
    lines, unreadable = read_lines([
        {"agreement_ref": "AGR-1", "service_user_ref": "P-1", "amount_pence": 2400, "date_from": "2026-03-02"},
        {"agreement_ref": "AGR-1", "service_user_ref": "P-1", "amount_pence": 2400, "date_from": 0},
        {"agreement_ref": "AGR-1", "service_user_ref": "P-1", "amount_pence": 2400, "date_from": "2026-03-03",
         "description": "late\x00"},
    ])
    assert [line.first_day for line in lines] == [date(2026, 3, 2)]
    assert [(u.line_number, u.problems[0].split(":")[0]) for u in unreadable] == [(2, "date_from"), (3, "description")]
    assert all("\x00" not in cell for u in unreadable for pair in u.raw for cell in pair)
