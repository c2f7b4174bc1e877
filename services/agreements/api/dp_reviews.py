"""HTTP: direct payment reviews, recorded and listed (due, overdue, done) as of a day.

Registered before `api/direct_payments.py`, so `/direct-payments/reviews` is this list and not a payment.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shared.auth import Principal, require
from shared.clock import PlausibleDate, london_date, utcnow
from shared.http import cause_of, runtime_of, transaction
from services.agreements.api.direct_payments import visible_direct_payment
from services.agreements.api.errors import rules_as_422
from services.agreements.api.direct_payment_models import DirectPaymentReviewIn, DirectPaymentReviewOut
from services.agreements.domain.dp_reviews import ReviewState, ReviewStatus
from services.agreements.steps.dp_reviews import record_review, reviews_as_of

router = APIRouter(tags=["direct payments"])

REVIEWERS = ("social_worker", "brokerage_officer", "team_manager")
READERS = (*REVIEWERS, "finance_officer", "finance_approver", "ops")


def _out(state: ReviewState, review_status: ReviewStatus) -> DirectPaymentReviewOut:
    return DirectPaymentReviewOut(agreement_id=state.agreement_id, person_ref=state.person_ref,
                                  next_review_due=state.next_review_due, last_reviewed_on=state.last_reviewed_on,
                                  status=review_status)


@router.get("/direct-payments/reviews", response_model=list[DirectPaymentReviewOut],
            summary="Live direct payments with their next review date and status (due within 28 days, overdue, "
                    "done, upcoming) as of a day")
async def list_reviews(request: Request, principal: Annotated[Principal, Depends(require(*READERS))],
                       status_is: Annotated[ReviewStatus | None, Query(alias="status")] = None,
                       as_of: Annotated[PlausibleDate | None, Query()] = None) -> list[DirectPaymentReviewOut]:
    day: date = as_of or london_date(utcnow())
    async with transaction(request) as conn:
        return [_out(state, s) for state, s in await reviews_as_of(conn, day, status_is)]


@router.post("/direct-payments/{agreement_id}/reviews", status_code=status.HTTP_201_CREATED,
             response_model=DirectPaymentReviewOut,
             summary="Record a review (continue, vary or end); the next is due after the review interval (<= 12 "
                     "months). The note stays in the audit log")
async def review_direct_payment(agreement_id: str, body: DirectPaymentReviewIn, request: Request,
                                principal: Annotated[Principal, Depends(require(*REVIEWERS))]
                                ) -> DirectPaymentReviewOut:
    today = london_date(utcnow())
    with rules_as_422():
        async with transaction(request) as conn:
            payment = await visible_direct_payment(conn, principal, agreement_id, lock=True)
            next_due = await record_review(conn, runtime_of(request).outbox, cause_of(request, principal), principal,
                                           payment, body.reviewed_on, body.outcome, body.note, today)
    state = ReviewState(payment.agreement_id, payment.person_ref, next_due, body.reviewed_on)
    return _out(state, state.status(today))
