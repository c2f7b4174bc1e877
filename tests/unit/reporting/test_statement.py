"""A person's statement says, in plain words, what their budget paid for."""
from __future__ import annotations

from datetime import date

from services.reporting.api.statement_html import render
from services.reporting.domain.statement import statement


def figures(**over) -> dict:
    base = {"person_ref": "P-1", "from": date(2026, 4, 1), "to": date(2026, 6, 30), "weekly_budget_pence": 30_000,
            "weekly_contribution_pence": 2_000, "exceeded": False, "exceeded_by_weekly_pence": 0,
            "totals": {"budget_pence": 390_000, "committed_pence": 350_000, "delivered_pence": 200_000,
                       "invoiced_pence": 180_000, "paid_pence": 150_050},
            "lines": [{"service_type": "home_care", "provider_id": "PRV-000000001", "provider_name": "Sunrise Care",
                       "committed_pence": 350_000, "delivered_pence": 200_000, "invoiced_pence": 180_000,
                       "paid_pence": 150_050}]}
    return base | over


def test_the_statement_gives_each_figure_in_pounds():
    text = " ".join(statement(figures())["sentences"])
    assert "1 April 2026 to 30 June 2026" in text
    assert "£300.00 a week, of which you pay £20.00 a week yourself" in text
    assert "costs £3,500.00" in text and "£2,000.00 was delivered" in text
    assert "£1,500.50 has been paid" in text and "leaves £2,399.50 of your budget" in text


def test_each_service_is_named_with_its_provider():
    line = statement(figures())["lines"][0]["sentence"]
    assert line == ("Home care from Sunrise Care: £3,500.00 planned, £2,000.00 delivered, £1,800.00 invoiced, "
                    "£1,500.50 paid.")


def test_without_a_budget_on_record_the_statement_says_so():
    sentences = statement(figures(weekly_budget_pence=None))["sentences"]
    assert "We have no personal budget on record for you yet." in sentences


def test_the_page_escapes_what_came_from_events():
    lines = [{**figures()["lines"][0], "provider_name": "<script>alert(1)</script>"}]
    page = render(statement(figures(lines=lines)))
    assert "<script>" not in page and "&lt;script&gt;" in page
