"""HTTP: varying a live direct payment from a date, and the second person who approves a large rise.

Each change is one transaction: the variation, its audit line and, once in force, the version,
`DirectPaymentVaried` and the person's refreshed commitment commit together or not at all.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from shared.auth import Principal, require
from shared.clock import london_date, utcnow
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.agreements.api.direct_payments import direct_payment_out, terms_out, visible_direct_payment
from services.agreements.api.errors import refusals
from services.agreements.api.fields import PathId
from services.agreements.api.direct_payment_models import (DirectPaymentOut, DirectPaymentVariationIn,
                                                            DirectPaymentVariationOut)
from services.agreements.api.models import DecisionIn
from services.agreements.config import agreements_config
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.dp_variations import Variation, VariationStatus
from services.agreements.steps import dp_variations as steps
from services.agreements.store import direct_payments as store_direct_payments
from services.agreements.store import dp_variations as store_variations

router = APIRouter(tags=["direct payments"])

ASKERS = ("brokerage_officer", "social_worker", "team_manager")
APPROVERS = ("team_manager", "brokerage_officer")
READERS = (*ASKERS, "finance_officer", "finance_approver", "ops", "person")  # a person: their own


def variation_out(variation: Variation, payment: DirectPaymentOut | None = None) -> DirectPaymentVariationOut:
    in_force = variation.status is VariationStatus.IN_FORCE
    return DirectPaymentVariationOut(
        **terms_out(variation.terms, variation.terms.version if in_force else None).model_dump(),
        variation_id=variation.variation_id, agreement_id=variation.agreement_id, status=variation.status,
        requested_by=variation.requested_by, approved_by=variation.approved_by, direct_payment=payment)


async def _answer(conn, payment: DirectPayment, variation: Variation) -> DirectPaymentVariationOut:
    payee = await store_direct_payments.payee_account(conn, payment.agreement_id)
    return variation_out(variation, direct_payment_out(payment, payee))


@router.post("/direct-payments/{agreement_id}/variations", status_code=status.HTTP_201_CREATED,
             response_model=DirectPaymentVariationOut,
             summary="Vary a live direct payment from a date (budget, contribution, cycle, or a reassessment's); "
                     "a rise above the threshold waits for a second person",
             description="409 when the direct payment is not agreed and live, the date is outside it, the "
                         "reassessment is unknown or another person's, nothing would change, or the contribution "
                         "would leave nothing to pay with the figures in force.")
async def vary_direct_payment(agreement_id: PathId, body: DirectPaymentVariationIn, request: Request,
                              principal: Annotated[Principal, Depends(require(*ASKERS))]
                              ) -> DirectPaymentVariationOut:
    change = steps.Change(**body.model_dump())
    with refusals():
        async with transaction(request) as conn:
            payment = await visible_direct_payment(conn, principal, agreement_id, lock=True)
            varied, variation = await steps.vary(
                conn, runtime_of(request).outbox, cause_of(request, principal), principal, payment, change,
                london_date(utcnow()), agreements_config().dp_second_person_above_pence)
            return await _answer(conn, varied, variation)


@router.post("/direct-payments/{agreement_id}/variations/{variation_id}/approve",
             response_model=DirectPaymentVariationOut,
             summary="Approve a pending variation (a team manager or brokerage officer, not whoever asked for it)",
             description="409 when the variation is no longer pending, or the direct payment is no longer live "
                         "(or now ends before it); 403 for whoever asked for it.")
async def approve_direct_payment_variation(agreement_id: PathId, variation_id: PathId, request: Request,
                                           principal: Annotated[Principal, Depends(require(*APPROVERS))],
                                           body: DecisionIn | None = None) -> DirectPaymentVariationOut:
    with refusals():
        async with transaction(request) as conn:
            payment = await visible_direct_payment(conn, principal, agreement_id, lock=True)
            approved = await steps.approve(conn, runtime_of(request).outbox, cause_of(request, principal),
                                           principal, payment, variation_id, london_date(utcnow()),
                                           body.reason if body else None)
            if approved is None:
                raise not_found(f"variation {variation_id} of direct payment {agreement_id}")
            return await _answer(conn, *approved)


@router.get("/direct-payments/{agreement_id}/variations", response_model=list[DirectPaymentVariationOut],
            responses=PAGED,
            summary="Every variation asked for, oldest first: pending, in force (with its version) or superseded")
async def list_direct_payment_variations(agreement_id: PathId, request: Request, response: Response,
                                         principal: Annotated[Principal, Depends(require(*READERS))],
                                         page: Annotated[Page, Depends(page_params)]
                                         ) -> list[DirectPaymentVariationOut]:
    async with transaction(request) as conn:
        payment = await visible_direct_payment(conn, principal, agreement_id)
        found = await store_variations.for_payment(conn, agreement_id, payment.current.version + 1,
                                                   after=page.after_key((datetime, str)),
                                                   limit=page.fetch)
    return [variation_out(v) for _, v in paged(request, response, found, page, key=lambda f: f[0])]
