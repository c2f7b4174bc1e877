"""HTTP: drafting agreements, reading them (scoped to the caller), the shortlist and a price preview."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from contracts.agreements import Rate
from contracts.common import ServiceType
from shared.auth import Principal, require
from shared.bounds import Filter
from shared.http import not_found, transaction
from services.agreements.api.commitments import commitment_out
from services.agreements.api.errors import rules_as_422
from services.agreements.api.models import (AgreementIn, AgreementOut, AuditOut, DayPriceOut, PricesOut,
                                            ShortlistEntryOut, TermsIn)
from services.agreements.config import agreements_config
from services.agreements.domain.agreements import Agreement, AgreementStatus, new_agreement_id
from services.agreements.domain.brokerage import ProviderOffer, shortlist
from services.agreements.domain.commitments import Commitment
from services.agreements.domain.errors import Rejected
from services.agreements.domain.pricing import days, price_of_day, price_of_period
from services.agreements.steps.funding import check_funding
from services.agreements.store import agreements as store_agreements, audit as store_audit
from services.agreements.store import providers as store_providers, received_requests as store_received_requests

router = APIRouter(tags=["agreements"])

READERS = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops", "provider", "person")


def agreement_out(agreement: Agreement, commitment: Commitment | None = None) -> AgreementOut:
    return AgreementOut(
        agreement_id=agreement.agreement_id, status=agreement.status, request_id=agreement.request_id,
        person_ref=agreement.person_ref, service_type=agreement.service_type, provider_id=agreement.provider_id,
        preferred_provider_id=agreement.preferred_provider_id, payment_basis=agreement.payment_basis,
        cycle=agreement.cycle, start=agreement.start, end=agreement.end, concurrent=agreement.concurrent,
        end_reason=agreement.end_reason, terms=list(agreement.terms), suspensions=list(agreement.suspensions),
        mechanism=agreement.mechanism, funding=agreement.funding, direct_payment_id=agreement.direct_payment_id,
        cost_centre=agreement.cost_centre, commitment=commitment_out(commitment) if commitment else None)


def may_see(principal: Principal, agreement: Agreement) -> bool:
    """Officers see all; a provider only agreements with it; a person only their own."""
    if principal.role == "provider":
        return agreement.provider_id is not None and principal.may_see_provider(agreement.provider_id)
    return principal.may_see_person(agreement.person_ref)


async def visible_agreement(conn, principal: Principal, agreement_id: str, *, lock: bool = False) -> Agreement:
    """The agreement, or 404 (also when the caller may not see it: its existence is not theirs to know)."""
    agreement = await (store_agreements.get_locked if lock else store_agreements.get)(conn, agreement_id)
    if agreement is None or not may_see(principal, agreement):
        raise not_found(f"agreement {agreement_id}")
    return agreement


async def resolve_rates(conn, provider_id: str, service_type: ServiceType, on: date, rates: list[Rate] | None,
                        rate_card_id: str | None) -> tuple[list[Rate], str | None]:
    """Negotiated rates as given, or a copy of the provider's rate card (the card may change later;
    the agreement keeps what was agreed until it is varied)."""
    if rates is not None and rate_card_id is not None:
        raise Rejected("rate_card_id", "give rates or a rate_card_id, not both")
    if rates is not None:
        return rates, None
    if rate_card_id is None:
        raise Rejected("rates", "give the agreed rates, or a rate_card_id of the provider to use its rates")
    card = next((c for c in await store_providers.rate_cards(conn, provider_id) if c.rate_card_id == rate_card_id), None)
    if card is None:
        raise Rejected("rate_card_id", f"provider {provider_id} has no rate card {rate_card_id}")
    if card.service_type != service_type or not card.in_force_on(on):
        raise Rejected("rate_card_id", f"rate card {rate_card_id} is not for {service_type} in force on {on}")
    return list(card.rates), card.rate_card_id


async def complete_draft(conn, draft: Agreement, body: TermsIn) -> Agreement:
    provider = await store_providers.get_provider(conn, body.provider_id)
    if provider is None:
        raise Rejected("provider_id", f"unknown provider {body.provider_id}: register it first")
    if draft.service_type.value not in provider["service_types"]:
        raise Rejected("provider_id", f"provider {body.provider_id} is not registered for {draft.service_type}")
    rates, rate_card_id = await resolve_rates(conn, body.provider_id, draft.service_type, body.start, body.rates,
                                              body.rate_card_id)
    completed = draft.complete(provider_id=body.provider_id, payment_basis=body.payment_basis, cycle=body.cycle,
                               start=body.start, end=body.end, concurrent=body.concurrent, rates=rates,
                               schedule=body.schedule, weekly_units=body.weekly_units, visit_rules=body.visit_rules,
                               rate_card_id=rate_card_id, funding=body.funding,
                               direct_payment_id=body.direct_payment_id, cost_centre=body.cost_centre)
    await check_funding(conn, draft.person_ref, body.funding, body.direct_payment_id)
    return completed


@router.post("/agreements", status_code=status.HTTP_201_CREATED, response_model=AgreementOut,
             summary="Draft an agreement directly (approved requests are drafted automatically)")
async def draft_agreement(body: AgreementIn, request: Request,
                          principal: Annotated[Principal, Depends(require("brokerage_officer"))]) -> AgreementOut:
    with rules_as_422():
        async with transaction(request) as conn:
            # The council's rule gives it a cost centre (the request's locality, when it named one), unless given.
            locality = await store_received_requests.locality_of(conn, body.request_id)
            draft = Agreement(agreement_id=new_agreement_id(), person_ref=body.person_ref,
                              service_type=body.service_type, request_id=body.request_id,
                              cost_centre=agreements_config().cost_centres.cost_centre_for(locality, body.service_type))
            completed = await complete_draft(conn, draft, body)
            await store_agreements.insert_draft(conn, completed, origin="officer")
            await store_agreements.save(conn, completed, principal.subject)
            await store_audit.record_action(conn, completed.agreement_id, "drafted", principal.subject, principal.role)
    return agreement_out(completed)


@router.put("/agreements/{agreement_id}", response_model=AgreementOut,
            summary="Complete a draft: provider, basis, cycle, dates, rates, schedule, visit rules")
async def complete_agreement(agreement_id: str, body: TermsIn, request: Request,
                             principal: Annotated[Principal, Depends(require("brokerage_officer"))]) -> AgreementOut:
    with rules_as_422():
        async with transaction(request) as conn:
            completed = await complete_draft(conn, await visible_agreement(conn, principal, agreement_id, lock=True),
                                             body)
            await store_agreements.save(conn, completed, principal.subject)
            await store_audit.record_action(conn, agreement_id, "draft_completed", principal.subject, principal.role)
    return agreement_out(completed)


@router.get("/agreements", response_model=list[AgreementOut],
            summary="Agreements; a provider sees only its own, a person only theirs")
async def list_agreements(request: Request, principal: Annotated[Principal, Depends(require(*READERS))],
                          person_ref: Filter | None = None, provider_id: Filter | None = None,
                          request_id: Filter | None = None, status_is: Annotated[AgreementStatus | None,
                                                                               Query(alias="status")] = None,
                          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AgreementOut]:
    # A provider's or person's own identity replaces whatever filter they asked for.
    if principal.role == "provider":
        provider_id = principal.provider_id
    if principal.role == "person":
        person_ref = principal.person_ref
    async with transaction(request) as conn:
        found = await store_agreements.search(conn, person_ref=person_ref, provider_id=provider_id,
                                              request_id=request_id, status=status_is.value if status_is else None,
                                              limit=limit)
    return [agreement_out(a) for a in found if may_see(principal, a)]


@router.get("/agreements/{agreement_id}", response_model=AgreementOut, summary="One agreement with all its versions")
async def get_agreement(agreement_id: str, request: Request,
                        principal: Annotated[Principal, Depends(require(*READERS))]) -> AgreementOut:
    async with transaction(request) as conn:
        return agreement_out(await visible_agreement(conn, principal, agreement_id))


@router.get("/agreements/{agreement_id}/shortlist", response_model=list[ShortlistEntryOut],
            summary="Registered providers of the draft's service, cheapest first (from their rate cards)")
async def provider_shortlist(agreement_id: str, request: Request,
                             principal: Annotated[Principal, Depends(require("brokerage_officer", "social_worker"))]
                             ) -> list[ShortlistEntryOut]:
    with rules_as_422():
        async with transaction(request) as conn:
            draft = await visible_agreement(conn, principal, agreement_id)
            offers = [ProviderOffer(pid, name, card)
                      for pid, name, card in await store_providers.offers_for(conn, draft.service_type.value)]
            ranked = shortlist(draft, offers)
    return [ShortlistEntryOut(**e.__dict__) for e in ranked]


@router.get("/agreements/{agreement_id}/prices", response_model=PricesOut,
            summary="Planned price of each day (dry run), each under the terms in force that day")
async def preview_prices(agreement_id: str, request: Request, principal: Annotated[Principal, Depends(require(*READERS))],
                         first: Annotated[date, Query(alias="from")], last: Annotated[date, Query(alias="to")]
                         ) -> PricesOut:
    with rules_as_422():
        if last < first or last - first > timedelta(days=366):
            raise Rejected("to", "must be on or after 'from' and at most 366 days later")
        async with transaction(request) as conn:
            agreement = await visible_agreement(conn, principal, agreement_id)
        priced = [DayPriceOut(day=d, pence=price_of_day(agreement, d),
                              version=t.version if (t := agreement.terms_on(d)) and agreement.is_payable_on(d) else None)
                  for d in days(first, last)]
    # The total is rounded once over the period (weekly units spread over days are not whole pence).
    return PricesOut(agreement_id=agreement_id, total_pence=price_of_period(agreement, first, last), days=priced)


@router.get("/agreements/{agreement_id}/history", response_model=list[AuditOut],
            summary="Who changed the agreement, when and why")
async def agreement_history(agreement_id: str, request: Request,
                            principal: Annotated[Principal, Depends(require(
                                "social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops"))]
                            ) -> list[AuditOut]:
    async with transaction(request) as conn:
        await visible_agreement(conn, principal, agreement_id)
        return [AuditOut(**dict(r)) for r in await store_audit.history(conn, agreement_id)]
