"""Direct payments that change: a variation from a date corrects the days already paid, to the penny, and
a change of cycle re-grids the periods from that date (weekly ones paid in weekly runs)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from contracts.common import Cycle
from services.payments.domain.direct_payments import direct_payment_due, periods_due
from services.payments.domain.dp_terms import terms_of
from services.payments.domain.dp_variation import is_stale, vary
from services.payments.domain.inputs import PaidPeriod, TermsFrom
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import LineKind
from tests.unit.payments.builders import PAY_DATE, SETTINGS, direct_payment, propose

START = PAY_DATE  # Wednesday 11 March 2026
FIRST_PERIOD = PaidPeriod(START, date(2026, 4, 7), 56_000)  # £2,000 a day, paid in advance
NEXT_PAY_DATE = date(2026, 4, 8)  # both a weekly and a four-weekly run


def paid_first_period(**kw):
    return direct_payment(per_four_weeks=56_000, start=START, paid_up_to=NEXT_PAY_DATE, **kw)


def varied(dp, effective_from: date, net: int, cycle: Cycle = Cycle.FOUR_WEEKLY):
    """The agreement after the variation, as the next run sees it (its correction pending)."""
    variation = vary(terms_of(dp), [FIRST_PERIOD], effective_from, net, cycle)
    return variation, replace(dp, amount_per_four_weeks_pence=net + dp.contribution_per_four_weeks_pence,
                              cycle=cycle, terms=variation.terms, adjustment_pence=variation.adjustment_pence)


def test_an_amount_raised_mid_period_already_paid_is_made_up_for_the_days_from_the_change():
    variation, dp = varied(paid_first_period(), date(2026, 3, 25), 84_000)
    # 14 days (25 Mar to 7 Apr) paid at £2,000 a day, now £3,000: £14,000 more.
    assert variation.adjustment_pence == 14_000
    assert variation.terms == (TermsFrom(START, 56_000, Cycle.FOUR_WEEKLY, START),
                               TermsFrom(date(2026, 3, 25), 84_000, Cycle.FOUR_WEEKLY, START))
    [payment] = propose([], {}, [dp], kind=RunKind.FOUR_WEEKLY, pay_date=NEXT_PAY_DATE).payments
    assert [(ln.kind, ln.period_start, ln.period_end, ln.amount_pence) for ln in payment.lines] == [
        (LineKind.DIRECT_PAYMENT, NEXT_PAY_DATE, date(2026, 5, 5), 84_000),
        (LineKind.ADJUSTMENT, NEXT_PAY_DATE, NEXT_PAY_DATE, 14_000)]
    assert payment.amount_pence == 98_000


def test_a_higher_contribution_takes_back_what_was_paid_for_the_days_from_the_change():
    dp = paid_first_period()
    # Weekly contribution up from £0 to £17.50: the net falls from £560 to £490 a week (£49,000 per four weeks).
    variation, after = varied(dp, date(2026, 3, 30), 4 * (14_000 - 1_750))
    # 9 days (30 Mar to 7 Apr): £18,000 paid, £15,750 due.
    assert variation.adjustment_pence == -2_250
    assert [(c.first, c.last, c.from_net_pence, c.to_net_pence) for c in variation.corrections] == [
        (date(2026, 3, 30), None, 56_000, 49_000)]
    [payment] = propose([], {}, [after], kind=RunKind.FOUR_WEEKLY, pay_date=NEXT_PAY_DATE).payments
    assert payment.amount_pence == 49_000 - 2_250


def test_a_change_to_weekly_regrids_from_its_date_and_is_paid_in_weekly_runs():
    variation, dp = varied(paid_first_period(), date(2026, 3, 27), 56_000, Cycle.WEEKLY)
    assert variation.adjustment_pence == 0  # same amount: the days paid are worth what was paid
    assert variation.terms[-1] == TermsFrom(date(2026, 3, 27), 56_000, Cycle.WEEKLY, date(2026, 3, 27))
    # Weekly periods from Friday 27 March: 3-9 Apr is cut at the first unpaid day, 8 Apr (2 days pro rata).
    assert periods_due(dp, NEXT_PAY_DATE, Cycle.WEEKLY) == [
        PaidPeriod(date(2026, 4, 8), date(2026, 4, 9), 4_000), PaidPeriod(date(2026, 4, 10), date(2026, 4, 16), 14_000)]
    assert propose([], {}, [dp], kind=RunKind.FOUR_WEEKLY, pay_date=NEXT_PAY_DATE).payments == ()
    [payment] = propose([], {}, [dp], kind=RunKind.WEEKLY, pay_date=NEXT_PAY_DATE).payments
    assert payment.amount_pence == 18_000


def test_a_change_to_weekly_with_a_new_amount_corrects_the_days_paid_at_the_old_one():
    variation, dp = varied(paid_first_period(), date(2026, 3, 27), 84_000, Cycle.WEEKLY)
    assert variation.adjustment_pence == 36_000 - 24_000  # 12 days, 27 Mar to 7 Apr
    [payment] = propose([], {}, [dp], kind=RunKind.WEEKLY, pay_date=NEXT_PAY_DATE).payments
    assert [ln.amount_pence for ln in payment.lines] == [6_000, 21_000, 12_000]


def test_a_later_variation_from_an_earlier_date_corrects_only_what_the_first_left():
    first, dp = varied(paid_first_period(), date(2026, 4, 1), 84_000)
    assert first.adjustment_pence == 21_000 - 14_000  # 7 days, 1 to 7 Apr
    second = vary(dp.terms, [FIRST_PERIOD], date(2026, 3, 25), 70_000, Cycle.FOUR_WEEKLY)
    # 25-31 Mar: £14,000 paid, £17,500 due; 1-7 Apr: £21,000 paid with the first correction, £17,500 due.
    assert [c.amount_pence for c in second.corrections] == [3_500, -3_500]
    assert 28_000 + first.adjustment_pence + second.adjustment_pence == 35_000  # 14 days at £2,500
    assert second.terms == (TermsFrom(START, 56_000, Cycle.FOUR_WEEKLY, START),
                            TermsFrom(date(2026, 3, 25), 70_000, Cycle.FOUR_WEEKLY, START))


def test_a_variation_back_to_the_terms_in_force_keeps_them_without_a_new_stretch():
    _, dp = varied(paid_first_period(), date(2026, 4, 1), 84_000)
    back = vary(dp.terms, [FIRST_PERIOD], date(2026, 4, 1), 56_000, Cycle.FOUR_WEEKLY)
    assert back.terms == (TermsFrom(START, 56_000, Cycle.FOUR_WEEKLY, START),)
    assert back.adjustment_pence == -7_000


def test_a_variation_no_newer_than_the_one_applied_is_stale():
    assert is_stale(2, 2) and is_stale(2, 3) and not is_stale(3, 2)


def test_a_four_weekly_run_pays_the_days_before_a_coming_change_of_cycle_and_the_weekly_runs_the_rest():
    dp = direct_payment(per_four_weeks=56_000, start=START)
    dp = replace(dp, terms=(TermsFrom(START, 56_000, Cycle.FOUR_WEEKLY, START),
                            TermsFrom(date(2026, 3, 20), 56_000, Cycle.WEEKLY, date(2026, 3, 20))))
    assert periods_due(dp, PAY_DATE, Cycle.FOUR_WEEKLY) == [PaidPeriod(START, date(2026, 3, 19), 18_000)]
    later = replace(dp, paid_up_to=date(2026, 3, 20))
    assert periods_due(later, date(2026, 3, 18), Cycle.WEEKLY) == [
        PaidPeriod(date(2026, 3, 20), date(2026, 3, 26), 14_000)]


def test_a_run_pays_the_last_days_of_the_other_cycle_when_they_end_before_its_next_run():
    """Weekly to four-weekly from Friday 27 March: the four-weekly run of 8 April pays the two weekly days
    left (25-26 March) as well, so they do not wait for a weekly run."""
    weekly = direct_payment(per_four_weeks=56_000, start=START, cycle=Cycle.WEEKLY, paid_up_to=date(2026, 3, 25))
    dp = replace(weekly, terms=(TermsFrom(START, 56_000, Cycle.WEEKLY, START),
                                TermsFrom(date(2026, 3, 27), 56_000, Cycle.FOUR_WEEKLY, date(2026, 3, 27))))
    assert periods_due(dp, date(2026, 3, 25), Cycle.FOUR_WEEKLY)[:2] == [
        PaidPeriod(date(2026, 3, 25), date(2026, 3, 26), 4_000),
        PaidPeriod(date(2026, 3, 27), date(2026, 4, 23), 56_000)]


def test_a_weekly_direct_payment_is_paid_seven_days_in_advance_in_the_weekly_run_only():
    dp = direct_payment(per_four_weeks=56_000, start=START, cycle=Cycle.WEEKLY)
    [payment] = propose([], {}, [dp], kind=RunKind.WEEKLY).payments
    assert [(ln.period_start, ln.period_end, ln.amount_pence) for ln in payment.lines] == [
        (START, date(2026, 3, 17), 14_000)]
    assert propose([], {}, [dp], kind=RunKind.FOUR_WEEKLY).payments == ()
    ended = replace(dp, end=date(2026, 3, 13))
    assert direct_payment_due(ended, PAY_DATE, SETTINGS, "CP000001-00001", Cycle.WEEKLY).amount_pence == 6_000
