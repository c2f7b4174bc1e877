"""Direct payments: net amount, review dates and the second person who agrees them."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.agreements import EndReason
from services.agreements.domain.direct_payments import (DirectPayment, DirectPaymentStatus, add_months,
                                                        amount_per_four_weeks, first_review_due, review_dates)
from services.agreements.domain.errors import Conflict, NotAllowed, Rejected

START = date(2026, 3, 2)


def test_the_four_weekly_amount_is_four_weeks_of_budget_net_of_contribution():
    assert amount_per_four_weeks(30000, 4550) == 4 * 25450


def test_a_contribution_covering_the_whole_budget_leaves_nothing_to_pay():
    with pytest.raises(Rejected, match="no direct payment"):
        amount_per_four_weeks(20000, 20000)


def test_a_negative_budget_is_rejected():
    with pytest.raises(Rejected) as caught:
        amount_per_four_weeks(-1, 0)
    assert caught.value.field == "weekly_budget_pence"


def test_the_first_review_is_due_six_months_after_the_start_by_default():
    assert first_review_due(START) == date(2026, 9, 2)
    assert first_review_due(date(2026, 8, 31)) == date(2027, 2, 28)


def test_an_earlier_first_review_is_kept_and_a_later_one_rejected():
    assert first_review_due(START, date(2026, 6, 1)) == date(2026, 6, 1)
    with pytest.raises(Rejected, match="within 6 months"):
        first_review_due(START, date(2026, 9, 3))
    with pytest.raises(Rejected):
        first_review_due(START, START)


def test_later_reviews_are_never_more_than_twelve_months_apart():
    dates = review_dates(first_review_due(START), date(2030, 1, 1))
    assert dates[:3] == [date(2026, 9, 2), date(2027, 9, 2), date(2028, 9, 2)]
    assert all(add_months(a, 12) >= b for a, b in zip(dates, dates[1:]))
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def draft() -> DirectPayment:
    return DirectPayment("DP-1", "P-1", 30000, 5000, START)


def test_the_person_who_entered_the_payee_account_cannot_agree_the_payment():
    completed = draft().complete(nominee="third_party", start=START, first_review=None, payee_set_by="u-1")
    with pytest.raises(NotAllowed, match="second person"):
        completed.agree("u-1")
    assert completed.agree("u-2").status is DirectPaymentStatus.AGREED


def test_the_nominee_chosen_with_the_request_stands_unless_changed():
    chosen = DirectPayment("DP-1", "P-1", 30000, 5000, START, nominee="council")
    assert chosen.complete(nominee=None, start=START, first_review=None, payee_set_by="u-1").nominee == "council"
    with pytest.raises(Conflict) as caught:  # none chosen with the request, none given
        draft().complete(nominee=None, start=START, first_review=None, payee_set_by="u-1")
    assert (caught.value.field, caught.value.code) == ("nominee", "nominee_unknown")


def test_a_direct_payment_without_a_payee_cannot_be_agreed():
    with pytest.raises(Conflict, match="payee") as caught:
        draft().agree("u-2")
    assert caught.value.code == "direct_payment_incomplete"


def test_an_ended_direct_payment_is_not_payable_after_its_end():
    agreed = draft().complete(nominee="council", start=START, first_review=None, payee_set_by="u-1").agree("u-2")
    ended = agreed.end_on(date(2026, 4, 1), EndReason.DEATH)
    assert ended.is_payable_on(date(2026, 4, 1)) and not ended.is_payable_on(date(2026, 4, 2))
