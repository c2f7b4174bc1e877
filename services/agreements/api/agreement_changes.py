"""HTTP: an agreement's lifecycle after drafting: activate, vary, suspend, resume, end, cancel.

Each change is one transaction: the new state, the audit line, the event and the person's
refreshed commitment commit together or not at all.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from contracts import agreements as contract
from contracts.agreements import Rate, ScheduledVisit, VisitRules
from shared.auth import Principal, require
from shared.http import cause_of, runtime_of, transaction
from services.agreements.api.agreements import agreement_out, resolve_rates, visible_agreement
from services.agreements.api.errors import refusals
from services.agreements.api.fields import PathId, as_contract
from services.agreements.api.models import AgreementOut, DecisionIn, EndIn, ResumeIn, SuspendIn, VariationIn
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.errors import Conflict
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
    with refusals():
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
                     "managed direct payment funding it is no longer agreed",
             description="409 when it is not a complete draft, it overlaps another agreement of the person for the "
                         "service (and is not concurrent), or the direct payment funding it cannot.")
async def activate_agreement(agreement_id: PathId, request: Request,
                             principal: Annotated[Principal, Depends(BROKERAGE)],
                             body: DecisionIn | None = None) -> AgreementOut:
    async def change(conn, agreement: Agreement):
        active = agreement.activate(await store_agreements.for_person(conn, agreement.person_ref))
        # The funding direct payment may have ended since the draft named it (nothing in this request names it).
        try:
            await check_funding(conn, active.person_ref, active.funding, active.direct_payment_id)
        except Conflict as refused:
            raise Conflict(None, f"the direct payment funding it cannot: {refused.rule}", code=refused.code) from None
        return active, agreement_event(contract.AgreementActivated, active)

    return await _change(request, principal, agreement_id, "activated", change, body.reason if body else None)


@router.post("/agreements/{agreement_id}/variations", response_model=AgreementOut,
             summary="Vary the terms from a date; earlier days keep the version they had",
             description="409 when the agreement is not in force, the date is outside it, the rate card is not the "
                         "provider's in force then, or the new terms with those carried over cannot be priced.")
async def vary_agreement(agreement_id: PathId, body: VariationIn, request: Request,
                         principal: Annotated[Principal, Depends(BROKERAGE)]) -> AgreementOut:
    async def change(conn, agreement: Agreement):
        rates, rate_card_id = as_contract(body.rates, Rate), None
        if body.rates is not None or body.rate_card_id is not None:
            rates, rate_card_id = await resolve_rates(conn, agreement.provider_id, agreement.service_type,
                                                      body.effective_from, rates, body.rate_card_id)
        varied = agreement.vary(body.effective_from, rates=rates, schedule=as_contract(body.schedule, ScheduledVisit),
                                weekly_units=body.weekly_units, visit_rules=as_contract(body.visit_rules, VisitRules),
                                rate_card_id=rate_card_id, reason=body.reason, cost_centre=body.cost_centre)
        return varied, agreement_event(contract.AgreementVaried, varied, version=varied.terms[-1].version,
                                       effective_from=body.effective_from)

    return await _change(request, principal, agreement_id, "varied", change, body.reason)


@router.post("/agreements/{agreement_id}/suspend", response_model=AgreementOut,
             summary="Suspend from a date (e.g. hospital admission): nothing payable until resumed",
             description="409 when the agreement is not active, or the date is before its start or last resumption.")
async def suspend_agreement(agreement_id: PathId, body: SuspendIn, request: Request,
                            principal: Annotated[Principal, Depends(CASEWORK)]) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        suspended = agreement.suspend(body.suspended_from, body.reason)
        return suspended, agreement_event(contract.AgreementSuspended, suspended,
                                          suspended_from=body.suspended_from, reason=body.reason)

    return await _change(request, principal, agreement_id, "suspended", change, body.note or body.reason)


@router.post("/agreements/{agreement_id}/resume", response_model=AgreementOut, summary="Resume from a date",
             description="409 when the agreement is not suspended, or the date is not after the suspension began.")
async def resume_agreement(agreement_id: PathId, body: ResumeIn, request: Request,
                           principal: Annotated[Principal, Depends(CASEWORK)]) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        resumed = agreement.resume(body.resumed_on)
        return resumed, agreement_event(contract.AgreementResumed, resumed, resumed_on=body.resumed_on)

    return await _change(request, principal, agreement_id, "resumed", change, body.note)


@router.post("/agreements/{agreement_id}/end", response_model=AgreementOut,
             summary="End on a date (the last payable day), e.g. on death; may bring an end forward",
             description="409 when the agreement was never activated (or is cancelled), or the date is before its "
                         "start or after an end it already has.")
async def end_agreement(agreement_id: PathId, body: EndIn, request: Request,
                        principal: Annotated[Principal, Depends(CASEWORK)]) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        ended = agreement.end_on(body.end, body.reason)
        return ended, agreement_event(contract.AgreementEnded, ended, reason=body.reason)

    return await _change(request, principal, agreement_id, "ended", change, body.note or body.reason)


@router.post("/agreements/{agreement_id}/cancel", response_model=AgreementOut,
             summary="Cancel a draft that will not go ahead (nothing was published for it)",
             description="409 when the agreement is not a draft.")
async def cancel_agreement(agreement_id: PathId, request: Request, principal: Annotated[Principal, Depends(BROKERAGE)],
                           body: DecisionIn | None = None) -> AgreementOut:
    async def change(_conn, agreement: Agreement):
        return agreement.cancel(), None

    return await _change(request, principal, agreement_id, "cancelled", change, body.reason if body else None)
