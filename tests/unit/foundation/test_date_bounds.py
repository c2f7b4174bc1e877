"""Dates a client sends are bounded around today (Europe/London): a date far off, which would drive a
walk over weeks or periods past any timeout, is refused (422) naming the field."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from services.invoicing.api.models import PreviewIn
from services.payments.api.models import ProposeIn
from shared.clock import london_date, utcnow, within_window
from shared.errors import RuleBroken

TODAY = london_date(utcnow())


def test_a_pay_date_in_the_year_4397_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        ProposeIn(pay_date=date(4397, 3, 6))
    [error] = refused.value.errors()
    assert error["loc"] == ("pay_date",) and error["type"] == "value_error"
    assert "pay_date: 4397-03-06 is outside" in error["msg"]


@pytest.mark.parametrize("day", [TODAY - timedelta(days=367), TODAY + timedelta(days=732), date(1, 1, 1)])
def test_a_pay_date_outside_a_year_back_to_two_years_ahead_is_refused(day):
    with pytest.raises(ValidationError):
        ProposeIn(pay_date=day)


@pytest.mark.parametrize("day", [TODAY, TODAY - timedelta(days=366), TODAY + timedelta(days=731)])
def test_a_pay_date_within_the_window_is_accepted(day):
    assert ProposeIn(pay_date=day).pay_date == day


def test_an_invoice_preview_period_far_off_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        PreviewIn(agreement_id="AGR-1", period_start=TODAY, period_end=date(9999, 12, 31))
    assert [e["loc"] for e in refused.value.errors()] == [("period_end",)]
    assert PreviewIn(agreement_id="AGR-1", period_start=TODAY - timedelta(days=5 * 365)).period_end is None


def test_the_shared_window_is_a_rule_broken_naming_the_field():
    with pytest.raises(RuleBroken) as refused:
        within_window(date(2030, 1, 1), "week_start", back_days=7, ahead_days=7, today=date(2026, 1, 1))
    assert refused.value.field == "week_start"
    assert "2030-01-01 is outside 2025-12-25 to 2026-01-08" in refused.value.rule
    assert within_window(date(2026, 1, 8), "week_start", back_days=7, ahead_days=7, today=date(2026, 1, 1))
