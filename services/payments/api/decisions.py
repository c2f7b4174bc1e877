"""HTTP: the second person of a return or a hold release (maker-checker, as for a payment run).

A finance user records a return (uploading the bank's report) or asks for a hold to be released;
nothing moves until a finance approver who did not record it approves it here. The same person
approving is refused (403), a decision already approved is 409.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import utcnow
from shared.errors import NotEntitled
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.logging import get_logger
from shared.pagination import PAGED, Page, page_params, paged
from services.payments.api.models import DecisionOut, ReleaseOut, ReturnOut
from services.payments.api.runs import FINANCE, counted
from services.payments.domain.two_person import DecisionKind
from services.payments.metrics import RETURNED, TWO_PERSON_DECISIONS
from services.payments.steps import confirming, releasing
from services.payments.store import decisions as store_decisions

router = APIRouter(tags=["returns and hold releases (two people)"])
log = get_logger(__name__)


def _refused(kind: DecisionKind, refused: NotEntitled) -> None:
    if getattr(refused, "field", None) == "approved_by":
        TWO_PERSON_DECISIONS.labels(kind.value, "self_approval").inc()


@router.get("/two-person-decisions", response_model=list[DecisionOut], responses=PAGED,
            summary="Returns and hold releases, oldest first, a page at a time (pending: awaiting a finance "
                    "approver)")
async def list_two_person_decisions(
        request: Request, response: Response, principal: Annotated[Principal, Depends(require(*FINANCE))],
        page: Annotated[Page, Depends(page_params)],
        status: Annotated[Literal["pending", "approved", "all"], Query(
            description="pending (awaiting a second person), approved, or all")] = "pending"
) -> list[DecisionOut]:
    after = page.after_key((datetime, str))
    async with transaction(request) as conn:
        decisions = await store_decisions.listing(conn, None if status == "all" else status, after, page.fetch)
    return [DecisionOut.of(d) for d in paged(request, response, decisions, page,
                                             key=lambda d: (d.recorded_at, d.decision_id))]


@router.post("/payment-returns/{return_id}/approve", response_model=ReturnOut,
             summary="Approve a recorded return (a finance approver who did not record it): only now is the "
                     "payment returned and its invoices held")
async def approve_payment_return(return_id: PathId, request: Request,
                         principal: Annotated[Principal, Depends(require("finance_approver"))]) -> ReturnOut:
    with counted("approve_return"):
        try:
            async with transaction(request) as conn:
                try:
                    done = await confirming.approve_return(conn, return_id, principal, utcnow(),
                                                           runtime_of(request).outbox, cause_of(request, principal))
                except LookupError:
                    raise not_found(f"payment return {return_id}") from None
        except NotEntitled as refused:
            _refused(DecisionKind.PAYMENT_RETURN, refused)
            raise
    d, payment = done.decision, done.payment
    RETURNED.labels(payment.payee_kind.value).inc()
    TWO_PERSON_DECISIONS.labels(DecisionKind.PAYMENT_RETURN.value, "approved").inc()
    log.warning("payment return approved: the payment is returned and its invoices held", return_id=return_id,
                run_id=d.run_id, payment_reference=payment.reference, payee_id=payment.payee_id,
                amount_pence=payment.amount_pence, recorded_by=d.recorded_by, approved_by=d.approved_by)
    return ReturnOut(return_id=return_id, run_id=d.run_id, payment_reference=payment.reference, status="approved",
                     recorded_by=d.recorded_by, approved_by=d.approved_by)


@router.post("/hold-releases/{release_id}/approve", response_model=ReleaseOut,
             summary="Approve a hold release (a finance approver who did not record it): only now is the hold lifted")
async def approve_hold_release(release_id: PathId, request: Request,
                          principal: Annotated[Principal, Depends(require("finance_approver"))]) -> ReleaseOut:
    with counted("approve_release"):
        try:
            async with transaction(request) as conn:
                try:
                    done = await releasing.approve_release(conn, release_id, principal, utcnow(),
                                                           runtime_of(request).outbox, cause_of(request, principal))
                except LookupError:
                    raise not_found(f"hold release {release_id}") from None
        except NotEntitled as refused:
            _refused(DecisionKind.HOLD_RELEASE, refused)
            raise
    d = done.decision
    TWO_PERSON_DECISIONS.labels(DecisionKind.HOLD_RELEASE.value, "approved").inc()
    log.info("payment hold release approved", release_id=release_id, held_kind=d.subject_kind.value,
             held_id=d.subject_id, released=done.released, recorded_by=d.recorded_by, approved_by=d.approved_by)
    return ReleaseOut.of(d, released=done.released)
