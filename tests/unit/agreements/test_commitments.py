"""A person's forecast spend against their personal budget."""
from __future__ import annotations

from datetime import timedelta

from contracts.agreements import EndReason, SuspensionReason
from services.agreements.domain.commitments import commitment_of
from services.agreements.domain.direct_payments import DirectPayment
from tests.unit.agreements.builders import MONDAY, home_care, hourly, residential


def agreed_dp(person: str, budget: int, contribution: int) -> DirectPayment:
    draft = DirectPayment("DP-1", person, budget, contribution, MONDAY)
    return draft.complete(nominee="person", start=MONDAY, first_review=None, payee_set_by="u-1").agree("u-2")


def test_weekly_and_annual_commitment_sum_every_active_agreement():
    care = home_care("P-1")  # 7 x £24 a week
    home = residential("P-1", weekly_pence=70000)
    commitment = commitment_of("P-1", MONDAY, [care, home], [], weekly_budget_pence=100000)
    assert commitment.weekly_pence == 7 * 2400 + 70000
    assert commitment.annual_pence == 52 * (7 * 2400 + 70000)
    assert not commitment.exceeded


def test_a_commitment_above_the_weekly_budget_is_flagged_with_the_excess():
    commitment = commitment_of("P-1", MONDAY, [home_care("P-1")], [], weekly_budget_pence=15000)
    assert commitment.exceeded
    assert commitment.exceeded_by_weekly_pence == 16800 - 15000


def test_a_future_variation_counts_from_its_date_in_the_annual_forecast():
    agreement = home_care("P-1").vary(MONDAY + timedelta(days=7), rates=[hourly(3000)])
    commitment = commitment_of("P-1", MONDAY, [agreement], [], weekly_budget_pence=None)
    assert commitment.weekly_pence == 16800
    assert commitment.annual_pence == 16800 + 51 * 7 * 3000
    assert not commitment.exceeded  # no budget known: nothing to exceed


def test_ended_and_suspended_agreements_commit_nothing_after_they_stop():
    ended = home_care("P-1").end_on(MONDAY + timedelta(days=2), EndReason.DEATH)
    suspended = home_care("P-1", agreement_id="AGR-S").suspend(MONDAY, SuspensionReason.HOSPITAL)
    commitment = commitment_of("P-1", MONDAY, [ended, suspended], [], weekly_budget_pence=1)
    assert commitment.weekly_pence == 3 * 2400
    assert commitment.annual_pence == 3 * 2400


def test_an_agreement_starting_later_is_forecast_from_its_start():
    later = home_care("P-1", start=MONDAY + timedelta(days=28))
    assert commitment_of("P-1", MONDAY, [later], [], weekly_budget_pence=None).weekly_pence == 16800


def test_a_direct_payment_commits_its_gross_weekly_value():
    commitment = commitment_of("P-1", MONDAY, [], [agreed_dp("P-1", 30000, 5000)], weekly_budget_pence=30000)
    assert commitment.weekly_pence == 30000
    assert not commitment.exceeded


def test_only_the_persons_own_agreements_count():
    commitment = commitment_of("P-1", MONDAY, [home_care("P-2")], [], weekly_budget_pence=1)
    assert commitment.lines == () and not commitment.exceeded
