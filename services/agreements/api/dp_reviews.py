"""HTTP: direct payment reviews, recorded and listed (due, overdue, done, upcoming) as of a day.

The list is `/direct-payment-reviews`: under `/direct-payments/` it would share its path with a payment's
(`/direct-payments/{agreement_id}`), and `Allow` would name that route's methods too."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shared.auth import Principal, require
from shared.clock import london_date, utcnow
from shared.http import cause_of, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.agreements.api.direct_payments import visible_direct_payment
from services.agreements.api.errors import refusals
from services.agreements.api.fields import Day, PathId
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


@router.get("/direct-payment-reviews", response_model=list[DirectPaymentReviewOut], responses=PAGED,
            summary="Live direct payments with their next review date and status (due within 28 days, overdue, "
                    "done, upcoming) as of a day, soonest first")
async def list_direct_payment_reviews(
        request: Request, response: Response, principal: Annotated[Principal, Depends(require(*READERS))],
        page: Annotated[Page, Depends(page_params)],
        status_is: Annotated[ReviewStatus | None, Query(alias="status", description="Only reviews in this status.")]
        = None,
        as_of: Annotated[Day | None, Query(description="The day the statuses are as of (default today).")] = None
) -> list[DirectPaymentReviewOut]:
    """A page at a time (`limit`, then `after` from the `Link` header's next page)."""
    day: date = as_of or london_date(utcnow())
    async with transaction(request) as conn:
        found = await reviews_as_of(conn, day, status_is, after=page.after_key((date, str)),
                                    limit=page.fetch)
    shown = paged(request, response, found, page, key=lambda f: (f[0].next_review_due, f[0].agreement_id))
    return [_out(state, s) for state, s in shown]


@router.post("/direct-payments/{agreement_id}/reviews", status_code=status.HTTP_201_CREATED,
             response_model=DirectPaymentReviewOut,
             summary="Record a review (continue, vary or end); the next is due after the review interval (<= 12 "
                     "months). The note stays in the audit log",
             description="409 when the direct payment is not agreed, or the review is dated before its start.")
async def record_direct_payment_review(agreement_id: PathId, body: DirectPaymentReviewIn, request: Request,
                                       principal: Annotated[Principal, Depends(require(*REVIEWERS))]
                                ) -> DirectPaymentReviewOut:
    today = london_date(utcnow())
    with refusals():
        async with transaction(request) as conn:
            payment = await visible_direct_payment(conn, principal, agreement_id, lock=True)
            next_due = await record_review(conn, runtime_of(request).outbox, cause_of(request, principal), principal,
                                           payment, body.reviewed_on, body.outcome, body.note, today)
    state = ReviewState(payment.agreement_id, payment.person_ref, next_due, body.reviewed_on)
    return _out(state, state.status(today))
