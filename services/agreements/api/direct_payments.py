"""HTTP: direct payments, from the draft an approved request creates to an agreed payment for payments."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from contracts import agreements as contract
from shared.auth import Principal, require
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.agreements.api.fields import PathId, QueryFilter
from services.agreements.api.commitments import commitment_out
from services.agreements.api.errors import refusals
from services.agreements.api.direct_payment_models import DirectPaymentCompleteIn, DirectPaymentOut, PaymentTermsOut
from services.agreements.api.models import DecisionIn, EndIn
from services.agreements.domain.commitments import Commitment
from services.agreements.domain.direct_payments import DirectPayment, PaymentTerms, add_months, review_dates
from services.agreements.domain.errors import Conflict, Rejected
from services.agreements.domain.providers import masked
from services.agreements.events import direct_payment_agreed
from services.agreements.steps.commitments import refresh_commitment
from services.agreements.store import agreements as store_agreements, audit as store_audit
from services.agreements.store import direct_payments as store_direct_payments

router = APIRouter(tags=["direct payments"])

READERS = ("social_worker", "brokerage_officer", "team_manager", "finance_officer", "finance_approver", "ops",
           "person")


def terms_out(terms: PaymentTerms, version: int | None = None) -> PaymentTermsOut:
    try:
        amount = terms.amount_per_four_weeks_pence
    except Rejected:
        amount = None  # a contribution covering the whole budget: shown, and refused at agreement
    return PaymentTermsOut(version=version, effective_from=terms.effective_from,
                           weekly_budget_pence=terms.weekly_budget_pence,
                           weekly_contribution_pence=terms.weekly_contribution_pence,
                           amount_per_four_weeks_pence=amount, cycle=terms.cycle,
                           reassessment_id=terms.reassessment_id)


def direct_payment_out(payment: DirectPayment, payee: contract.BankAccount | None,
                       commitment: Commitment | None = None) -> DirectPaymentOut:
    now = payment.current
    reviews = (review_dates(payment.first_review, add_months(payment.start, 36), payment.review_interval_months)
               if payment.first_review else [])
    return DirectPaymentOut(
        agreement_id=payment.agreement_id, request_id=payment.request_id, person_ref=payment.person_ref,
        status=payment.status, nominee=payment.nominee, mechanism=payment.mechanism,
        **terms_out(now).model_dump(include={"weekly_budget_pence", "weekly_contribution_pence",
                                             "amount_per_four_weeks_pence", "cycle"}),
        version=now.version, versions=[terms_out(t, t.version) for t in payment.versions],
        start=payment.start, first_review_due=payment.first_review,
        review_interval_months=payment.review_interval_months, review_dates=reviews, end=payment.end,
        end_reason=payment.end_reason, payee_account=masked(payee.account_number) if payee else None,
        commitment=commitment_out(commitment) if commitment else None)


async def visible_direct_payment(conn, principal: Principal, agreement_id: str, *,
                                 lock: bool = False) -> DirectPayment:
    """The direct payment, or 404 (also when the caller may not see it); with `lock`, its row and person."""
    payment = await store_direct_payments.get(conn, agreement_id, for_update=lock)
    if payment is None or not principal.may_see_person(payment.person_ref):
        raise not_found(f"direct payment {agreement_id}")
    if lock:
        await store_agreements.lock_person(conn, payment.person_ref)
    return payment


@router.get("/direct-payments", response_model=list[DirectPaymentOut], responses=PAGED,
            summary="Direct payments, oldest first (a person: their own)")
async def list_direct_payments(request: Request, response: Response,
                               principal: Annotated[Principal, Depends(require(*READERS))],
                               page: Annotated[Page, Depends(page_params)],
                               person_ref: QueryFilter = None, request_id: QueryFilter = None
                               ) -> list[DirectPaymentOut]:
    """A page at a time (`limit`, then `after` from the `Link` header's next page)."""
    if principal.role == "person":
        person_ref = principal.person_ref
    async with transaction(request) as conn:
        found = await store_direct_payments.search(conn, person_ref=person_ref, request_id=request_id,
                                                   after=page.after_key((datetime, str)),
                                                   limit=page.fetch)
        return [direct_payment_out(p, await store_direct_payments.payee_account(conn, p.agreement_id))
                for _, p in paged(request, response, found, page, key=lambda f: f[0])]


@router.get("/direct-payments/{agreement_id}", response_model=DirectPaymentOut, summary="One direct payment")
async def get_direct_payment(agreement_id: PathId, request: Request,
                             principal: Annotated[Principal, Depends(require(*READERS))]) -> DirectPaymentOut:
    async with transaction(request) as conn:
        payment = await visible_direct_payment(conn, principal, agreement_id)
        return direct_payment_out(payment, await store_direct_payments.payee_account(conn, agreement_id))


@router.put("/direct-payments/{agreement_id}", response_model=DirectPaymentOut,
            summary="Complete a draft: nominee, payee account, start, first review (a second person agrees it)",
            description="409 when it is not a draft, no nominee was chosen with the request nor given, or the first "
                        "review does not fall within 6 months after the draft's own start (when `start` is not "
                        "given). With `start` given, `first_review_due` must fall after it and within 6 months (422).")
async def complete_direct_payment(agreement_id: PathId, body: DirectPaymentCompleteIn, request: Request,
                                  principal: Annotated[Principal, Depends(require("brokerage_officer",
                                                                                  "finance_officer"))]
                                  ) -> DirectPaymentOut:
    payee = body.payee_account.account()
    with refusals():
        async with transaction(request) as conn:
            draft = await visible_direct_payment(conn, principal, agreement_id, lock=True)
            try:
                completed = draft.complete(nominee=body.nominee, start=body.start or draft.start,
                                           first_review=body.first_review_due, payee_set_by=principal.subject,
                                           review_interval_months=body.review_interval_months)
            except Rejected as refused:
                if refused.field != "first_review_due" or body.start is not None:
                    raise
                raise Conflict("first_review_due", f"{refused.rule}, the draft's start (no start was given)",
                               code="outside_direct_payment") from refused
            await store_direct_payments.save(conn, completed, payee)
            await store_audit.record_action(conn, agreement_id, "direct_payment_completed", principal.subject,
                                            principal.role)
    return direct_payment_out(completed, payee)


@router.post("/direct-payments/{agreement_id}/agree", response_model=DirectPaymentOut,
             summary="Agree the direct payment (not by whoever entered the payee account): published for payments",
             description="409 when it is not a complete draft, or its contribution leaves nothing to pay; 403 for "
                         "whoever entered the payee account.")
async def agree_direct_payment(agreement_id: PathId, request: Request,
                               principal: Annotated[Principal, Depends(require("finance_approver"))],
                               body: DecisionIn | None = None) -> DirectPaymentOut:
    reason = body.reason if body else None
    with refusals():
        async with transaction(request) as conn:
            agreed = (await visible_direct_payment(conn, principal, agreement_id, lock=True)).agree(principal.subject)
            payee = await store_direct_payments.payee_account(conn, agreement_id)
            assert payee is not None  # agree() refuses a payment without a payee
            await store_direct_payments.save(conn, agreed)
            await store_audit.record_action(conn, agreement_id, "direct_payment_agreed", principal.subject,
                                            principal.role, reason)
            cause = cause_of(request, principal)  # the reason stays in the audit log
            outbox = runtime_of(request).outbox
            # The account-free event for every consumer and the payee's account for payments, together.
            await outbox.publish(conn, [*direct_payment_agreed(agreed, payee)], cause)
            commitment = await refresh_commitment(conn, outbox, cause, agreed.person_ref)
    return direct_payment_out(agreed, payee, commitment)


@router.post("/direct-payments/{agreement_id}/end", response_model=DirectPaymentOut,
             summary="End the direct payment after a date (e.g. death, or not used for assessed needs)",
             description="409 when it is not agreed, or the date is before its start or after an end it already has.")
async def end_direct_payment(agreement_id: PathId, body: EndIn, request: Request,
                             principal: Annotated[Principal, Depends(require("brokerage_officer", "social_worker"))]
                             ) -> DirectPaymentOut:
    with refusals():
        async with transaction(request) as conn:
            payment = await visible_direct_payment(conn, principal, agreement_id, lock=True)
            ended = payment.end_on(body.end, body.reason)
            await store_direct_payments.save(conn, ended)
            await store_audit.record_action(conn, agreement_id, "direct_payment_ended", principal.subject,
                                            principal.role, body.note or body.reason)
            cause = cause_of(request, principal)  # the note stays in the audit log
            outbox = runtime_of(request).outbox
            await outbox.publish(conn, [contract.DirectPaymentEnded(
                agreement_id=agreement_id, person_ref=ended.person_ref, end=body.end, reason=body.reason)], cause)
            commitment = await refresh_commitment(conn, outbox, cause, ended.person_ref)
            payee = await store_direct_payments.payee_account(conn, agreement_id)
    return direct_payment_out(ended, payee, commitment)
