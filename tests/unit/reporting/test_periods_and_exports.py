"""Weeks and months of London dates; CSV cells a spreadsheet cannot run; pipeline figures from /metrics."""
from __future__ import annotations

from datetime import date

from services.reporting.api.common import csv_text
from services.reporting.domain.periods import default_range, period_end, period_start, periods, whole_periods
from services.reporting.domain.pipeline_health import summarise


def test_weeks_start_on_monday_and_months_on_the_first():
    assert period_start("week", date(2026, 3, 1)) == date(2026, 2, 23)  # a Sunday belongs to the week before
    assert period_start("month", date(2026, 2, 28)) == date(2026, 2, 1)
    assert period_end("month", date(2024, 2, 1)) == date(2024, 2, 29)
    assert period_end("month", date(2026, 12, 1)) == date(2026, 12, 31)


def test_a_range_is_widened_to_whole_periods():
    assert whole_periods("week", date(2026, 3, 4), date(2026, 3, 10)) == (date(2026, 3, 2), date(2026, 3, 15))
    assert [p[0] for p in periods("month", date(2026, 11, 15), date(2027, 1, 2))] == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]


def test_the_default_range_is_the_last_52_weeks_or_12_months():
    first, last = default_range("month", date(2026, 11, 27))
    assert (first, last) == (date(2025, 12, 1), date(2026, 11, 30))
    first, last = default_range("week", date(2026, 11, 27))
    assert len(periods("week", first, last)) == 52


def test_csv_cells_that_start_a_formula_are_neutralised_but_negative_amounts_stay_numbers():
    text = csv_text(["provider", "invoiced_pence"], [["=HYPERLINK(\"http://x\")", -2500], ["@SUM(A1)", 10]])
    lines = text.splitlines()
    assert lines[1] == "\"'=HYPERLINK(\"\"http://x\"\")\",-2500"
    assert lines[2] == "'@SUM(A1),10"


def test_pipeline_figures_are_read_from_prometheus_text():
    text = "\n".join([
        "# TYPE carepay_consumer_lag gauge",
        'carepay_consumer_lag{consumer="invoicing.delivery",partition="0",service="invoicing",topic="d"} 3.0',
        'carepay_consumer_lag{consumer="invoicing.delivery",partition="1",service="invoicing",topic="d"} 4.0',
        "# TYPE carepay_outbox_backlog gauge", 'carepay_outbox_backlog{service="invoicing"} 12.0',
        "# TYPE carepay_dlq_messages counter",
        'carepay_dlq_messages_total{consumer="invoicing.delivery",reason="invalid_json",service="invoicing"} 2.0',
    ]) + "\n"
    figures = summarise(text)
    assert figures["consumer_lag"] == [{"consumer": "invoicing.delivery", "lag": 7}]
    assert figures["outbox_backlog"] == 12 and figures["dlq_messages"] == 2


def test_a_range_past_the_calendars_ends_is_refused_before_whole_periods_run_off_it():
    import pytest
    from fastapi import HTTPException

    from services.reporting.api.common import date_range

    for first, last in ((date(9999, 12, 30), date(9999, 12, 31)), (date(1, 1, 1), date(1, 1, 2))):
        with pytest.raises(HTTPException) as refused:
            date_range("month", first, last)
        assert refused.value.status_code == 422
    assert date_range("month", date(2026, 1, 1), date(2026, 1, 31)) == (date(2026, 1, 1), date(2026, 1, 31))
