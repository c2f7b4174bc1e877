"""Reviews of a direct payment: when the next is due, and whether it is due, overdue or done.

The first review is due on the payment's `first_review` (within 6 months of its start); each review
sets the next at `reviewed_on` + the payment's review interval (at most 12 months). On a day D, a
live payment's review is
- overdue: its next review date has passed;
- due: its next review date is within the next 28 days;
- done: it has been reviewed and the next is further off (it was reviewed within the last interval);
- upcoming: never reviewed yet and the first review is further off than 28 days.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from services.agreements.domain.direct_payments import (REVIEW_INTERVAL_MONTHS, DirectPayment, DirectPaymentStatus,
                                                        add_months)
from services.agreements.domain.errors import Conflict, Rejected

DUE_WITHIN_DAYS = 28
OUTCOMES = ("continue", "vary", "end")


class ReviewStatus(StrEnum):
    OVERDUE = "overdue"
    DUE = "due"
    DONE = "done"
    UPCOMING = "upcoming"


def new_review_id() -> str:
    return f"DPR-{uuid.uuid4().hex[:12].upper()}"


def next_review_after(reviewed_on: date, interval_months: int) -> date:
    """The next review: `interval_months` after this one, never more than 12."""
    return add_months(reviewed_on, min(max(interval_months, 1), REVIEW_INTERVAL_MONTHS))


def check_review(payment: DirectPayment, reviewed_on: date, outcome: str, today: date) -> date:
    """A review of an agreed payment, on a day from its start to today; the next review date."""
    if payment.status not in (DirectPaymentStatus.AGREED, DirectPaymentStatus.ENDED):
        raise Conflict(None, f"direct payment {payment.agreement_id} is {payment.status}: only an agreed direct "
                             "payment is reviewed", code="direct_payment_status")
    if reviewed_on < payment.start:
        raise Conflict("reviewed_on", f"must not be before the direct payment's start {payment.start}",
                       code="outside_direct_payment")
    if reviewed_on > today:
        raise Rejected("reviewed_on", f"must not be in the future (today is {today})")
    if outcome not in OUTCOMES:
        raise Rejected("outcome", f"must be one of {', '.join(OUTCOMES)}")
    return next_review_after(reviewed_on, payment.review_interval_months)


@dataclass(frozen=True)
class ReviewState:
    """A live direct payment's reviews as of a day: the next due and the last done (if any)."""

    agreement_id: str
    person_ref: str
    next_review_due: date
    last_reviewed_on: date | None = None

    def status(self, as_of: date) -> ReviewStatus:
        if self.next_review_due < as_of:
            return ReviewStatus.OVERDUE
        if self.next_review_due <= as_of + timedelta(days=DUE_WITHIN_DAYS):
            return ReviewStatus.DUE
        return ReviewStatus.DONE if self.last_reviewed_on is not None else ReviewStatus.UPCOMING


def count_by_status(states: list[ReviewState], as_of: date) -> dict[ReviewStatus, int]:
    """How many payments' reviews are in each status on `as_of` (every status present, 0 when none)."""
    counts = {status: 0 for status in ReviewStatus}
    for state in states:
        counts[state.status(as_of)] += 1
    return counts
