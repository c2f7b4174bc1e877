"""Direct payments in four-weekly runs: in advance, net of the contribution, changes and endings."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.payments.domain.direct_payments import (adjustment_for_change, end_direct_payment, first_unpaid_day,
                                                      paid_until, periods_due, periods_paid_by, repriced)
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.inputs import PaidPeriod
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import ExclusionReason, LineKind, PayeeKind
from tests.unit.payments.builders import PAY_DATE, SETTINGS, direct_payment, propose

NEXT_RUN = date(2026, 4, 8)


def four_weekly(*dps, settings=SETTINGS):
    return propose([], {}, list(dps), kind=RunKind.FOUR_WEEKLY, settings=settings)


def test_direct_payment_is_net_of_the_persons_contribution():
    [payment] = four_weekly(direct_payment(per_four_weeks=56_000, contribution=8_000)).payments
    assert payment.amount_pence == 48_000 and payment.payee_kind is PayeeKind.DIRECT_PAYMENT


def test_direct_payment_is_paid_in_advance_for_the_four_weeks_from_its_start():
    [payment] = four_weekly(direct_payment(start=PAY_DATE)).payments
    [line] = payment.lines
    assert (line.kind, line.period_start, line.period_end) == (LineKind.DIRECT_PAYMENT, PAY_DATE, date(2026, 4, 7))


def test_period_starting_before_the_next_run_is_paid_in_this_one():
    [payment] = four_weekly(direct_payment(start=date(2026, 4, 1))).payments
    assert payment.lines[0].period_start == date(2026, 4, 1)


def test_period_starting_on_the_next_runs_pay_date_waits_for_that_run():
    assert four_weekly(direct_payment(start=NEXT_RUN)).payments == ()


def test_paid_periods_are_not_paid_again():
    dp = direct_payment(start=date(2026, 2, 11), paid_up_to=PAY_DATE)
    assert [(p.start, p.end) for p in periods_due(dp, PAY_DATE)] == [(PAY_DATE, date(2026, 4, 7))]


def test_unpaid_earlier_periods_are_paid_with_the_current_one():
    dp = direct_payment(start=date(2026, 2, 11))
    assert [p.start for p in periods_due(dp, PAY_DATE)] == [date(2026, 2, 11), PAY_DATE]


def test_last_period_is_paid_pro_rata_to_the_agreements_end():
    [payment] = four_weekly(direct_payment(per_four_weeks=56_000, end=date(2026, 3, 24))).payments
    assert payment.amount_pence == 28_000 and payment.lines[0].period_end == date(2026, 3, 24)


def test_nothing_is_paid_after_the_agreement_ended():
    dp = direct_payment(start=date(2026, 2, 11), end=date(2026, 3, 10), paid_up_to=date(2026, 3, 11))
    assert four_weekly(dp).payments == ()


def test_weekly_runs_make_no_four_weekly_direct_payments():
    assert propose([], {}, [direct_payment()], kind=RunKind.WEEKLY).payments == ()


def test_nominees_direct_payment_goes_to_the_nominees_account():
    [payment] = four_weekly(direct_payment()).payments
    assert payment.account.account_number == "55556666"


def test_council_managed_direct_payment_goes_to_the_council_managed_account():
    [payment] = four_weekly(direct_payment(council_managed=True)).payments
    assert payment.account == SETTINGS.managed_account


def test_council_managed_direct_payment_without_a_managed_account_is_excluded():
    run = four_weekly(direct_payment(council_managed=True), settings=replace(SETTINGS, managed_account=None))
    assert run.payments == () and run.exclusions[0].reason is ExclusionReason.NO_BANK_DETAILS


def test_direct_payment_to_unverified_bank_details_is_excluded():
    run = four_weekly(direct_payment(payee_verified=False))
    assert run.payments == () and run.exclusions[0].reason is ExclusionReason.UNVERIFIED_BANK_DETAILS


def test_contribution_covering_the_whole_budget_pays_nothing():
    run = four_weekly(direct_payment(per_four_weeks=20_000, contribution=20_000))
    assert run.payments == () and run.exclusions[0].reason is ExclusionReason.NOTHING_TO_PAY


def test_increase_part_way_through_a_paid_period_adds_the_difference_for_the_days_left():
    paid = [PaidPeriod(PAY_DATE, date(2026, 4, 7), 56_000)]
    assert adjustment_for_change(paid, date(2026, 3, 25), 84_000) == 14_000


def test_decrease_from_the_start_of_a_paid_period_takes_back_the_whole_difference():
    paid = [PaidPeriod(PAY_DATE, date(2026, 4, 7), 56_000)]
    assert adjustment_for_change(paid, PAY_DATE, 42_000) == -14_000


def test_change_after_the_paid_periods_needs_no_adjustment():
    assert adjustment_for_change([PaidPeriod(PAY_DATE, date(2026, 4, 7), 56_000)], NEXT_RUN, 1) == 0


def test_adjustment_is_added_to_the_next_payment_as_its_own_line():
    dp = direct_payment(start=date(2026, 2, 11), paid_up_to=PAY_DATE, adjustment_pence=14_000)
    [payment] = four_weekly(dp).payments
    assert payment.amount_pence == 70_000
    assert [ln.kind for ln in payment.lines] == [LineKind.DIRECT_PAYMENT, LineKind.ADJUSTMENT]


def test_ending_recovers_the_unused_part_of_a_period_paid_in_advance_pro_rata_by_day():
    paid = [PaidPeriod(PAY_DATE, date(2026, 4, 7), 56_000)]
    ending = end_direct_payment(direct_payment(), date(2026, 3, 24), paid)
    assert ending.recovery_pence == 28_000 and ending.agreement.end == date(2026, 3, 24)
    assert "14 day(s)" in ending.detail


def test_ending_on_the_last_paid_day_recovers_nothing():
    paid = [PaidPeriod(PAY_DATE, date(2026, 4, 7), 56_000)]
    assert end_direct_payment(direct_payment(), date(2026, 4, 7), paid).recovery_pence == 0


def test_ending_stops_future_payments():
    ended = end_direct_payment(direct_payment(start=date(2026, 2, 11), paid_up_to=PAY_DATE), date(2026, 3, 10), [])
    assert four_weekly(ended.agreement).payments == ()


def test_ending_nets_an_adjustment_still_owed_to_the_person():
    paid = [PaidPeriod(PAY_DATE, date(2026, 4, 7), 56_000)]
    dp = direct_payment(adjustment_pence=4_000)
    assert end_direct_payment(dp, date(2026, 3, 24), paid).recovery_pence == 24_000


def test_ending_before_the_start_is_refused():
    with pytest.raises(PaymentRefused, match="before the day before the start"):
        end_direct_payment(direct_payment(), date(2026, 3, 1), [])


def test_periods_paid_by_a_payment_are_what_changes_and_endings_work_from():
    [payment] = four_weekly(direct_payment(start=date(2026, 2, 11))).payments
    assert periods_paid_by(payment) == [PaidPeriod(date(2026, 2, 11), date(2026, 3, 10), 56_000),
                                        PaidPeriod(PAY_DATE, date(2026, 4, 7), 56_000)]


def test_a_second_change_to_days_already_paid_corrects_only_what_the_first_left():
    paid = [PaidPeriod(date(2026, 3, 11), date(2026, 4, 7), 28_000)]
    first = adjustment_for_change(repriced(paid, 28_000), date(2026, 3, 25), 33_600)
    second = adjustment_for_change(repriced(paid, 33_600), date(2026, 4, 1), 42_000)
    assert (first, second) == (14 * 200, 7 * 300)


def test_an_ending_recovers_days_paid_after_it_less_only_the_top_up_owed_before_it():
    paid = [PaidPeriod(date(2026, 3, 11), date(2026, 4, 7), 28_000)]  # £10 a day
    end = date(2026, 3, 31)  # day 21
    owed = adjustment_for_change(repriced(paid_until(paid, end), 28_000), date(2026, 3, 25), 33_600)  # £12 from day 15
    agreement = direct_payment(per_four_weeks=28_000, start=date(2026, 3, 11), adjustment_pence=owed)
    assert owed == 7 * 200
    assert end_direct_payment(agreement, end, paid).recovery_pence == 7 * 1_000 - 7 * 200


def test_the_next_payment_starts_at_the_first_day_no_paid_period_covers():
    paid = [PaidPeriod(date(2026, 3, 11), date(2026, 4, 7), 1), PaidPeriod(date(2026, 5, 6), date(2026, 6, 2), 1)]
    assert first_unpaid_day(date(2026, 3, 11), paid) == date(2026, 4, 8)  # the returned period between is paid first
    assert first_unpaid_day(date(2026, 3, 11), []) is None
