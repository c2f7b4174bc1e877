"""Council-raised invoice numbers are gapless per provider; periods are weeks or four weeks."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.common import Cycle
from services.invoicing.domain.numbering import (Series, allocate, format_number, gaps, next_number,
                                                 parse_number)
from services.invoicing.domain.periods import Period, four_weeks_of, period_of, week_of


def test_a_self_billed_invoice_number_is_sb_provider_and_six_digits():
    assert format_number("PRV-1", 123) == "SB-PRV-1-000123"
    assert format_number("1-123456789", 1) == "SB-1-123456789-000001"


def test_numbers_past_999999_grow_a_digit_rather_than_wrap():
    assert format_number("PRV-1", 1_234_567) == "SB-PRV-1-1234567"


def test_scheduled_invoices_and_credit_notes_have_their_own_series():
    assert format_number("PRV-1", 7, Series.CREDIT_NOTE) == "CN-PRV-1-000007"
    assert parse_number("SC-PRV-1-000002") == (Series.SCHEDULED, "PRV-1", 2)


def test_a_number_reads_back_as_series_provider_and_sequence():
    assert parse_number("SB-1-123456789-000123") == (Series.SELF_BILLED, "1-123456789", 123)
    with pytest.raises(ValueError, match="not a council invoice number"):
        parse_number("INV-7")


def test_a_providers_first_number_is_1_and_each_next_follows_the_last_issued():
    assert next_number(None) == 1
    assert next_number(41) == 42


def test_allocating_a_block_gives_consecutive_numbers_and_the_new_last_issued():
    numbers, last = allocate(41, 3)
    assert list(numbers) == [42, 43, 44] and last == 44
    assert allocate(None, 0) == (range(1, 1), 0)


def test_a_provider_reference_with_spaces_cannot_be_part_of_a_number():
    with pytest.raises(ValueError, match="letters, digits and hyphens"):
        format_number("PRV 1", 1)


def test_numbering_cannot_start_at_zero_or_below():
    with pytest.raises(ValueError):
        format_number("PRV-1", 0)


def test_the_gap_audit_finds_a_number_never_issued():
    assert gaps([1, 2, 4], last_issued=4) == [3]
    assert gaps(list(range(1, 6)), last_issued=5) == []


def test_a_week_runs_monday_to_sunday():
    assert week_of(date(2026, 3, 5)) == Period(date(2026, 3, 2), date(2026, 3, 8))


def test_four_weekly_periods_group_four_weeks_from_the_anchor_monday():
    anchor = date(2024, 4, 1)
    assert four_weeks_of(date(2024, 4, 1), anchor) == Period(date(2024, 4, 1), date(2024, 4, 28))
    assert four_weeks_of(date(2024, 4, 28), anchor) == Period(date(2024, 4, 1), date(2024, 4, 28))
    assert four_weeks_of(date(2024, 4, 29), anchor) == Period(date(2024, 4, 29), date(2024, 5, 26))
    assert period_of(date(2024, 3, 31), Cycle.FOUR_WEEKLY, anchor) == Period(date(2024, 3, 4), date(2024, 3, 31))
    assert period_of(date(2024, 4, 3), Cycle.WEEKLY) == Period(date(2024, 4, 1), date(2024, 4, 7))


def test_a_four_weekly_anchor_must_be_a_monday():
    with pytest.raises(ValueError, match="Monday"):
        four_weeks_of(date(2024, 4, 3), anchor=date(2024, 4, 2))


def test_a_period_reads_as_a_provider_would_write_it():
    assert str(Period(date(2026, 3, 2), date(2026, 3, 8))) == "2–8 Mar 2026"
    assert str(Period(date(2026, 2, 23), date(2026, 3, 1))) == "23 Feb – 1 Mar 2026"
    assert str(Period(date(2025, 12, 29), date(2026, 1, 4))) == "29 Dec 2025 – 4 Jan 2026"
