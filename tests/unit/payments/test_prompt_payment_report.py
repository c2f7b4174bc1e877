"""The payments compliance notice (Procurement Act 2023 s69, reg. 38) and transparency lists."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.payments.domain.errors import PaymentRefused
from services.payments.domain.files.reports import notice_csv, published_payments_csv
from services.payments.domain.prompt_payment import (OVER_500_PENCE, OVER_30000_PENCE, InvoiceTimeline,
                                                     compliance_notice, payments_over)
from tests.unit.payments.builders import a_sound_run, approved, invoice, payees, propose

FROM, TO = date(2025, 10, 1), date(2026, 3, 31)
RECEIVED = date(2026, 1, 5)


def paid_after(days: int, invoice_id: str = "I", provider: str = "PRV-1", *, valid_after: int = 0,
               pence: int = 10_000) -> InvoiceTimeline:
    return InvoiceTimeline(invoice_id, provider, pence, RECEIVED, RECEIVED + timedelta(days=valid_after),
                           RECEIVED + timedelta(days=valid_after), RECEIVED + timedelta(days=days))


def notice(*timelines: InvoiceTimeline):
    return compliance_notice(timelines, FROM, TO, "Anyshire County Council", "Ann Example", "Director of Finance")


def test_share_paid_in_each_band_counts_days_from_the_day_after_receipt():
    figures = notice(paid_after(30, "A"), paid_after(31, "B"), paid_after(60, "C"), paid_after(61, "D")).overall
    assert (figures.within_30_days_pct, figures.within_31_to_60_days_pct, figures.after_60_days_pct) == (
        Decimal("25.0"), Decimal("50.0"), Decimal("25.0"))


def test_average_days_to_pay_is_the_arithmetic_mean():
    assert notice(paid_after(10, "A"), paid_after(20, "B"), paid_after(25, "C")).overall.average_days_to_pay == \
        Decimal("18.3")


def test_dispute_stops_the_30_day_clock_for_the_term_but_not_the_reg_38_bands():
    figures = notice(paid_after(45, valid_after=20)).overall
    assert figures.within_30_days_of_valid_pct == Decimal("100.0")
    assert figures.within_30_days_pct == Decimal("0.0")


def test_figures_are_given_by_provider_and_overall():
    result = notice(paid_after(10, "A", "PRV-2"), paid_after(40, "B", "PRV-1"), paid_after(20, "C", "PRV-1"))
    assert list(result.by_provider) == ["PRV-1", "PRV-2"]
    assert result.by_provider["PRV-1"].within_30_days_pct == Decimal("50.0")
    assert result.by_provider["PRV-2"].within_30_days_pct == Decimal("100.0")
    assert result.overall.invoices_paid == 3 and result.overall.value_paid_pence == 30_000


def test_only_invoices_paid_in_the_period_count():
    late = InvoiceTimeline("L", "PRV-1", 1, date(2026, 3, 1), date(2026, 3, 1), None, date(2026, 4, 2))
    assert notice(paid_after(10), late).overall.invoices_paid == 1


def test_share_of_sums_payable_in_the_period_but_not_paid_in_it():
    unpaid = InvoiceTimeline("U", "PRV-1", 1, date(2026, 3, 20), date(2026, 3, 20))
    assert notice(paid_after(10), unpaid).payable_not_paid_in_period_pct == Decimal("50.0")


def test_notice_carries_the_finance_directors_approval_statement():
    assert notice(paid_after(1)).approver_statement == "Approved by Ann Example, Director of Finance"


def test_payment_before_receipt_is_refused():
    with pytest.raises(PaymentRefused, match="paid before it was received"):
        notice(paid_after(-1))


def test_notice_csv_has_an_overall_row_then_one_per_provider():
    rows = list(csv.DictReader(io.StringIO(notice_csv(notice(paid_after(10, "A", "PRV-2"), paid_after(40, "B"))))))
    assert [r["scope"] for r in rows] == ["overall", "PRV-1", "PRV-2"]
    assert rows[0]["paid_within_30_days_pct"] == "50.0" and rows[0]["average_days_to_pay"] == "25.0"


def test_provider_payments_over_500_and_over_30000_are_listed_for_publication():
    run = approved(propose([invoice("INV-1", "PRV-1", 50_001), invoice("INV-2", "PRV-2", 50_000),
                            invoice("INV-3", "PRV-3", 3_000_001)], payees("PRV-1", "PRV-2", "PRV-3")))
    assert [p.payee_id for p in payments_over([run], OVER_500_PENCE)] == ["PRV-1", "PRV-3"]
    assert [p.payee_id for p in payments_over([run], OVER_30000_PENCE)] == ["PRV-3"]


def test_direct_payments_to_people_are_never_published():
    assert "DP-1" not in {p.payee_id for p in payments_over([a_sound_run()], 0)}


def test_unapproved_runs_are_not_published():
    assert payments_over([propose([invoice(pence=100_000)])], OVER_500_PENCE) == []


def test_published_csv_neutralises_formula_cells():
    run = approved(propose([invoice(pence=100_000, cost_centre="@SUM(A1)")]))
    assert "'@SUM(A1)" in published_payments_csv(payments_over([run], OVER_500_PENCE))
