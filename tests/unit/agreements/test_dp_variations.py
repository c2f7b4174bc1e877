"""Varying a live direct payment: versions from a date, what carries over, what is refused, and when a
second person must approve."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts.agreements import EndReason
from contracts.common import Cycle, Nominee
from services.agreements.domain.direct_payments import DirectPayment, PaymentTerms
from services.agreements.domain.dp_variations import (SECOND_PERSON_ABOVE_PENCE, Reassessed, Variation,
                                                      VariationStatus, largest_rise_pence, needs_second_person,
                                                      propose)
from services.agreements.domain.errors import Conflict, NotAllowed, Rejected

START = date(2026, 3, 2)
TODAY = date(2026, 4, 1)


def agreed(budget: int = 30_000, contribution: int = 5_000, person: str = "P-1") -> DirectPayment:
    draft = DirectPayment("DP-1", person, budget, contribution, START)
    return draft.complete(nominee=Nominee.COUNCIL, start=START, first_review=None, payee_set_by="u-1").agree("u-2")


def refused(field: str | None, match: str, payment: DirectPayment | None = None, *,
            kind: type[Exception] = Rejected, **change) -> None:
    """The variation is refused naming `field`: the request itself (Rejected, 422), or what it meets (Conflict, 409)."""
    with pytest.raises(kind, match=match) as caught:
        propose(payment or agreed(), TODAY, **change)
    assert caught.value.field == field


def test_version_one_is_the_agreed_payment_and_a_variation_wins_from_its_date():
    payment = agreed()
    terms = propose(payment, TODAY, effective_from=START + timedelta(days=14), weekly_budget_pence=35_000)
    assert (terms.version, terms.weekly_contribution_pence, terms.cycle) == (2, 5_000, Cycle.FOUR_WEEKLY)
    varied = payment.with_version(terms)
    assert varied.terms_on(START + timedelta(days=13)).version == 1
    assert varied.terms_on(START + timedelta(days=14)).amount_per_four_weeks_pence == 4 * 30_000
    assert varied.current is terms and varied.amount_per_four_weeks_pence == 120_000
    assert varied.versions[0] == PaymentTerms(1, START, 30_000, 5_000, Cycle.FOUR_WEEKLY)


def test_a_back_dated_variation_carries_over_from_the_version_then_in_force_and_supersedes_later_ones():
    payment = agreed().with_version(PaymentTerms(2, START + timedelta(days=28), 40_000, 5_000))
    back = propose(payment, TODAY, effective_from=START + timedelta(days=7), cycle=Cycle.WEEKLY)
    assert (back.version, back.weekly_budget_pence, back.cycle) == (3, 30_000, Cycle.WEEKLY)
    varied = payment.with_version(back)
    assert varied.terms_on(START + timedelta(days=40)).version == 3  # the highest version wins from its date


def test_a_variation_that_pays_nothing_different_on_any_day_is_refused():
    refused(None, "nothing changes", kind=Conflict, effective_from=START, weekly_budget_pence=30_000)
    payment = agreed().with_version(PaymentTerms(2, START + timedelta(days=28), 40_000, 5_000))
    # Version 1's figures from day 7 would undo version 2 from day 28: that is a change.
    assert propose(payment, TODAY, effective_from=START + timedelta(days=7), weekly_budget_pence=30_000).version == 3
    refused(None, "nothing changes", payment, kind=Conflict, effective_from=START + timedelta(days=28),
            weekly_budget_pence=40_000)


@pytest.mark.parametrize("change, kind, field, match", [
    ({"effective_from": START - timedelta(days=1), "weekly_budget_pence": 1}, Conflict, "effective_from", "before"),
    ({"weekly_budget_pence": 31_000}, Rejected, "effective_from", "required"),
    # Against the budget in force: the payment's state (409); both figures given: the request itself (422).
    ({"effective_from": START, "weekly_contribution_pence": 30_001}, Conflict, "weekly_contribution_pence",
     "not exceed"),
    ({"effective_from": START, "weekly_contribution_pence": 30_000}, Conflict, "weekly_contribution_pence",
     "no direct payment"),
    ({"effective_from": START, "weekly_budget_pence": 10_000, "weekly_contribution_pence": 10_001}, Rejected,
     "weekly_contribution_pence", "not exceed"),
    ({"effective_from": START, "weekly_budget_pence": 10_000, "weekly_contribution_pence": 10_000}, Rejected,
     "weekly_contribution_pence", "no direct payment"),
    ({"effective_from": START, "weekly_budget_pence": -1}, Rejected, "weekly_budget_pence", "negative"),
])
def test_each_bad_variation_names_its_field(change, kind, field, match):
    refused(field, match, kind=kind, **change)


def test_only_a_live_agreed_payment_is_varied_and_not_after_its_end():
    draft = DirectPayment("DP-1", "P-1", 30_000, 5_000, START)
    refused(None, "only an agreed, live", draft, kind=Conflict, effective_from=START, weekly_budget_pence=31_000)
    ending = agreed().end_on(TODAY + timedelta(days=10), EndReason.OTHER)
    refused("effective_from", "after the direct payment's end", ending, kind=Conflict,
            effective_from=TODAY + timedelta(days=11), weekly_budget_pence=31_000)
    assert propose(ending, TODAY, effective_from=TODAY, weekly_budget_pence=31_000).version == 2
    ended = agreed().end_on(TODAY - timedelta(days=1), EndReason.OTHER)
    refused(None, "no longer live", ended, kind=Conflict, effective_from=START, weekly_budget_pence=31_000)


def test_a_reassessment_gives_the_figures_and_date_not_given_and_must_be_the_same_persons():
    reassessment = Reassessed("RAS-1", "P-1", START + timedelta(days=21), 34_000, 4_000)
    terms = propose(agreed(), TODAY, effective_from=None, reassessment=reassessment)
    assert (terms.effective_from, terms.weekly_budget_pence, terms.weekly_contribution_pence,
            terms.reassessment_id) == (START + timedelta(days=21), 34_000, 4_000, "RAS-1")
    given = propose(agreed(), TODAY, effective_from=START + timedelta(days=28), weekly_contribution_pence=0,
                    reassessment=reassessment)
    assert (given.effective_from, given.weekly_budget_pence, given.weekly_contribution_pence) == (
        START + timedelta(days=28), 34_000, 0)
    other = Reassessed("RAS-2", "P-2", START, 34_000, 4_000)
    refused("reassessment_id", "another person's", kind=Conflict, effective_from=None, reassessment=other)


def test_a_rise_above_the_threshold_on_any_day_needs_a_second_person():
    payment = agreed(30_000, 5_000)  # £1,000 each four weeks
    at = propose(payment, TODAY, effective_from=START, weekly_budget_pence=55_000)  # +£1,000
    above = propose(payment, TODAY, effective_from=START, weekly_budget_pence=55_001)
    fall = propose(payment, TODAY, effective_from=START, weekly_budget_pence=20_000)
    assert largest_rise_pence(payment, at) == SECOND_PERSON_ABOVE_PENCE
    assert not needs_second_person(payment, at, SECOND_PERSON_ABOVE_PENCE)
    assert needs_second_person(payment, above, SECOND_PERSON_ABOVE_PENCE)
    assert not needs_second_person(payment, fall, 0) and needs_second_person(payment, at, 0)
    # Back-dated over a later cut: the rise counted is against the lowest version it replaces.
    cut = payment.with_version(PaymentTerms(2, START + timedelta(days=28), 10_000, 5_000))
    back = propose(cut, TODAY, effective_from=START, weekly_budget_pence=31_000)
    assert largest_rise_pence(cut, back) == 4 * (26_000 - 5_000)


def test_the_second_person_is_a_team_manager_or_brokerage_officer_who_did_not_ask():
    terms = propose(agreed(), TODAY, effective_from=START, weekly_budget_pence=90_000)
    pending = Variation("DPV-1", "DP-1", terms, "u-sw", "social_worker")
    with pytest.raises(NotAllowed, match="cannot also approve"):
        pending.approve("u-sw", "team_manager")
    with pytest.raises(NotAllowed, match="team manager or brokerage officer"):
        pending.approve("u-other", "finance_approver")
    approved = pending.approve("u-tm", "team_manager")
    assert (approved.status, approved.approved_by) == (VariationStatus.IN_FORCE, "u-tm")
    with pytest.raises(Conflict, match="only a pending one"):
        approved.approve("u-bo", "brokerage_officer")


def test_a_version_is_added_only_as_the_next():
    payment = agreed()
    with pytest.raises(Rejected):
        payment.with_version(PaymentTerms(3, START, 31_000, 5_000))
