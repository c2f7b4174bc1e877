"""Direct payment reviews: the next date, the statuses on a day, what a review may be, and the settings
and job that count them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts.agreements import EndReason
from contracts.common import Nominee
from services.agreements.config import agreements_config_from
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.dp_reviews import (ReviewState, ReviewStatus, check_review, count_by_status,
                                                   next_review_after)
from services.agreements.domain.errors import Conflict, Rejected

START = date(2026, 3, 2)
DAY = date(2026, 9, 1)


def agreed(interval: int = 12) -> DirectPayment:
    draft = DirectPayment("DP-1", "P-1", 30_000, 5_000, START)
    return draft.complete(nominee=Nominee.PERSON, start=START, first_review=None, payee_set_by="u-1",
                          review_interval_months=interval).agree("u-2")


def test_the_next_review_is_the_interval_after_this_one_and_never_more_than_twelve_months():
    assert next_review_after(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert next_review_after(date(2026, 9, 1), 12) == date(2027, 9, 1)
    assert next_review_after(date(2026, 9, 1), 18) == date(2027, 9, 1)


def test_a_review_interval_above_twelve_months_is_refused_when_the_payment_is_completed():
    with pytest.raises(Rejected) as caught:
        agreed(13)
    assert caught.value.field == "review_interval_months"
    assert agreed(3).review_interval_months == 3


def test_a_review_is_of_an_agreed_payment_on_a_day_from_its_start_to_today():
    assert check_review(agreed(6), DAY, "continue", DAY) == date(2027, 3, 1)
    with pytest.raises(Conflict) as before_start:  # the payment's start: its state (409)
        check_review(agreed(), START - timedelta(days=1), "vary", DAY)
    assert (before_start.value.field, before_start.value.code) == ("reviewed_on", "outside_direct_payment")
    with pytest.raises(Rejected) as in_the_future:  # the request itself (422)
        check_review(agreed(), DAY + timedelta(days=1), "vary", DAY)
    assert in_the_future.value.field == "reviewed_on"
    with pytest.raises(Rejected) as caught:
        check_review(agreed(), DAY, "stop", DAY)
    assert caught.value.field == "outcome"
    with pytest.raises(Conflict) as caught:
        check_review(DirectPayment("DP-2", "P-1", 30_000, 5_000, START), DAY, "end", DAY)
    assert caught.value.code == "direct_payment_status"
    assert check_review(agreed().end_on(DAY, EndReason.OTHER), DAY, "end", DAY) == date(2027, 9, 1)


@pytest.mark.parametrize("next_due, last, status", [
    (DAY - timedelta(days=1), None, ReviewStatus.OVERDUE),
    (DAY - timedelta(days=1), DAY - timedelta(days=400), ReviewStatus.OVERDUE),
    (DAY, None, ReviewStatus.DUE),
    (DAY + timedelta(days=28), DAY - timedelta(days=300), ReviewStatus.DUE),
    (DAY + timedelta(days=29), DAY - timedelta(days=300), ReviewStatus.DONE),
    (DAY + timedelta(days=29), None, ReviewStatus.UPCOMING),
])
def test_a_review_is_overdue_past_its_date_due_within_28_days_and_done_when_reviewed_within_the_interval(
        next_due, last, status):
    assert ReviewState("DP-1", "P-1", next_due, last).status(DAY) is status


def test_the_count_names_every_status():
    states = [ReviewState("DP-1", "P-1", DAY - timedelta(days=1)), ReviewState("DP-2", "P-2", DAY),
              ReviewState("DP-3", "P-3", DAY + timedelta(days=3))]
    assert count_by_status(states, DAY) == {ReviewStatus.OVERDUE: 1, ReviewStatus.DUE: 2, ReviewStatus.DONE: 0,
                                            ReviewStatus.UPCOMING: 0}


def test_the_settings_default_to_a_thousand_pounds_and_a_minute_and_refuse_nonsense():
    config = agreements_config_from({})
    assert (config.dp_second_person_above_pence, config.dp_reviews_every_s) == (100_000, 60.0)
    assert agreements_config_from({"CAREPAY_AGREEMENTS_DP_SECOND_PERSON_ABOVE_PENCE": "0"}
                                  ).dp_second_person_above_pence == 0
    for env in ({"CAREPAY_AGREEMENTS_DP_SECOND_PERSON_ABOVE_PENCE": "£1000"},
                {"CAREPAY_AGREEMENTS_DP_SECOND_PERSON_ABOVE_PENCE": "-1"},
                {"CAREPAY_AGREEMENTS_DP_REVIEWS_EVERY_S": "soon"}, {"CAREPAY_AGREEMENTS_DP_REVIEWS_EVERY_S": "0"}):
        with pytest.raises(SystemExit, match=next(iter(env))):
            agreements_config_from(env)


def test_the_review_count_is_a_job_the_service_runs():
    from services.agreements.app import app
    from services.agreements.jobs import JOBS, dp_reviews
    assert JOBS == [dp_reviews]
    assert list(app.state.runtime.background) == JOBS
