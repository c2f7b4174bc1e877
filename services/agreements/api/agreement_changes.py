"""HTTP: an agreement's lifecycle after drafting: activate, vary, suspend, resume, end, cancel.

Each change is one transaction: the new state, the audit line, the event and the person's
refreshed commitment commit together or not at all.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from contracts import agreements as contract
from shared.auth import Principal, require
from shared.http import cause_of, runtime_of, transaction
from services.agreements.api.agreements import agreement_out, resolve_rates, visible_agreement
from services.agreements.api.errors import rules_as_422
from services.agreements.api.models import AgreementOut, DecisionIn, EndIn, ResumeIn, SuspendIn, VariationIn
from services.agreements.domain.agreements import Agreement
from services.agreements.events import agreement_event
from services.agreements.metrics import AGREEMENT_CHANGES
from services.agreements.steps.commitments import refresh_commitment
from services.agreements.steps.funding import check_funding
from services.agreements.store import agreements as store_agreements, audit as store_audit

router = APIRouter(tags=["agreements"])

BROKERAGE = require("brokerage_officer")
# A hospital admission or a death is often reported by the person's social worker.
CASEWORK = require("brokerage_officer", "social_worker")

Change = Callable[[object, Agreement], Awaitable[tuple[Agreement, contract.AgreementEvent | None]]]


async def _change(request: Request, principal: Principal, agreement_id: str, action: str, change: Change,
                  reason: str | None) -> AgreementOut:
    with rules_as_422():
        async with transaction(request) as conn:
            before = await visible_agreement(conn, principal, agreement_id, lock=True)
            after, event = await change(conn, before)
            await store_agreements.save(conn, after, principal.subject)
            await store_audit.record_action(conn, agreement_id, action, principal.subject, principal.role, reason)
            commitment = None
            if event is not None:
                cause = cause_of(request, principal)  # the reason stays in the audit log
                await runtime_of(request).outbox.publish(conn, [event], cause)
                commitment = await refresh_commitment(conn, runtime_of(request).outbox, cause, after.person_ref)
                AGREEMENT_CHANGES.labels(event.EVENT_TYPE).inc()
    return agreement_out(after, commitment)


@router.post("/agreements/{agreement_id}/activate", response_model=AgreementOut,
             summary="Activate a complete draft; refused if it overlaps another (unless concurrent) or if the "
                     "managed direct payment funding it is no longer agreed")
async def activate(agreement_id: str, request: Request, principal: Annotated[Principal, Depends(BROKERAGE)],
                   body: DecisionIn | None = None) -> AgreementOut:
    async def change(conn, agreement: Agreement):
        active = agreement.activate(await store_agreements.for_person(conn, agreement.person_ref))
        # The funding direct payment may have ended since the draft named it.
        await check_funding(conn, active.person_ref, active.funding, active.direct_payment_id)
        return active, agreement_event(contract.AgreementActivated, active)

    return await _change(request, principal, agreement_id, "activated", change, body.reason if body else None)


@router.post("/agreements/{agreement_id}/variations", response_model=AgreementOut,
             summary="Vary the terms from a date; earlier days keep the version they had")
async def vary(agreement_id: str, body: VariationIn, request: Request,
               principal: Annotated[Principal, Depends(BROKERAGE)]) -> AgreementOut:
    async def change(conn, agreement: Agreement):
        rates, rate_card_id = body.rates, None
        if body.rates is not None or body.rate_card_id is not None:
            rates, rate_card_id = await resolve_rates(conn, agreement.provider_id, agreement.service_type,
                                                      body.effective_from, body.rates, body.rate_card_id)
        varied = agreement.vary(body.effective_from, rates=rates, schedule=body.schedule,
                                weekly_units=body.weekly_units, visit_rules=body.visit_rules,
                                rate_card_id=rate_card_id, reason=body.reason, cost_centre=body.cost_centre)
        return varied, agreement_event(contract.AgreementVaried, varied, version=varied.terms[-1].version,
                                       effective_from=body.effective_from)

    return await _change(request, principal, agreement_id, "varied", change, body.reason)


@router.post("/agreements/{agreement_id}/suspend", response_model=AgreementOut,
             summary="Suspend from a date (e.g. hospital admission): nothing payable until resumed")
async def suspend(agreement_id: str, body: SuspendIn, request: Request,
                  principal: Annotated[Principal, Depends(CASEWORK)]) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        suspended = agreement.suspend(body.suspended_from, body.reason)
        return suspended, agreement_event(contract.AgreementSuspended, suspended,
                                          suspended_from=body.suspended_from, reason=body.reason)

    return await _change(request, principal, agreement_id, "suspended", change, body.note or body.reason)


@router.post("/agreements/{agreement_id}/resume", response_model=AgreementOut, summary="Resume from a date")
async def resume(agreement_id: str, body: ResumeIn, request: Request,
                 principal: Annotated[Principal, Depends(CASEWORK)]) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        resumed = agreement.resume(body.resumed_on)
        return resumed, agreement_event(contract.AgreementResumed, resumed, resumed_on=body.resumed_on)

    return await _change(request, principal, agreement_id, "resumed", change, body.note)


@router.post("/agreements/{agreement_id}/end", response_model=AgreementOut,
             summary="End on a date (the last payable day), e.g. on death; may bring an end forward")
async def end(agreement_id: str, body: EndIn, request: Request,
              principal: Annotated[Principal, Depends(CASEWORK)]) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        ended = agreement.end_on(body.end, body.reason)
        return ended, agreement_event(contract.AgreementEnded, ended, reason=body.reason)

    return await _change(request, principal, agreement_id, "ended", change, body.note or body.reason)


@router.post("/agreements/{agreement_id}/cancel", response_model=AgreementOut,
             summary="Cancel a draft that will not go ahead (nothing was published for it)")
async def cancel(agreement_id: str, request: Request, principal: Annotated[Principal, Depends(BROKERAGE)],
                 body: DecisionIn | None = None) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        return agreement.cancel(), None

    return await _change(request, principal, agreement_id, "cancelled", change, body.reason if body else None)
