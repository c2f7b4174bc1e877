"""HTTP: drafting agreements, reading them (scoped to the caller), the shortlist and a price preview."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from contracts.agreements import AgreementTerms, Rate, ScheduledVisit, VisitRules
from contracts.common import ServiceType
from shared.auth import Principal, require
from shared.http import not_found, transaction
from shared.openapi import problem_responses
from shared.pagination import PAGED, Page, page_params, paged
from services.agreements.api.commitments import commitment_out
from services.agreements.api.errors import refusals
from services.agreements.api.fields import IsoDate, PathId, QueryFilter, as_contract
from services.agreements.api.models import (AgreementIn, AgreementOut, AuditOut, DayPriceOut, PricesOut,
                                            ShortlistEntryOut, TermsIn)
from services.agreements.config import agreements_config
from services.agreements.domain.agreements import Agreement, AgreementStatus, check_terms, new_agreement_id
from services.agreements.domain.brokerage import ProviderOffer, rank, shortlist
from services.agreements.domain.commitments import Commitment
from services.agreements.domain.errors import Conflict, Rejected
from services.agreements.domain.pricing import days, price_of_day, price_of_period
from services.agreements.steps.funding import check_funding
from services.agreements.store import agreements as store_agreements, audit as store_audit
from services.agreements.store import providers as store_providers, received_requests as store_received_requests

router = APIRouter(tags=["agreements"])

READERS = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops", "provider", "person")
MAX_PRICED_DAYS = 366


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
        raise Conflict("rate_card_id", f"provider {provider_id} has no rate card {rate_card_id}",
                       code="unknown_rate_card")
    if card.service_type != service_type or not card.in_force_on(on):
        raise Conflict("rate_card_id", f"rate card {rate_card_id} is not for {service_type} in force on {on}",
                       code="rate_card_not_in_force")
    return list(card.rates), card.rate_card_id


def check_card_prices(basis, terms: AgreementTerms) -> None:
    """Rates copied from a rate card must price the terms they are put with (the request's own rates are
    checked by its schema): Conflict naming the card otherwise."""
    try:
        check_terms(basis, terms)
    except Rejected as refused:
        raise Conflict("rate_card_id", f"rate card {terms.rate_card_id} cannot price these terms: "
                                       f"{refused.field}: {refused.rule}", code="rate_card_cannot_price") from refused


async def complete_draft(conn, draft: Agreement, body: TermsIn) -> Agreement:
    """The draft completed with `body` (Rejected: the request breaks a rule; Conflict: the provider, its rate
    card, the draft's state or the funding direct payment does not allow it)."""
    provider = await store_providers.get_provider(conn, body.provider_id)
    if provider is None:
        raise Conflict("provider_id", f"unknown provider {body.provider_id}: register it first",
                       code="unknown_provider")
    if draft.service_type.value not in provider["service_types"]:
        raise Conflict("provider_id", f"provider {body.provider_id} is not registered for {draft.service_type}",
                       code="service_not_offered")
    rates, rate_card_id = await resolve_rates(conn, body.provider_id, draft.service_type, body.start,
                                              as_contract(body.rates, Rate), body.rate_card_id)
    schedule = as_contract(body.schedule, ScheduledVisit)
    visit_rules = as_contract(body.visit_rules, VisitRules)
    if rate_card_id is not None:
        check_card_prices(body.payment_basis, AgreementTerms(
            version=1, effective_from=body.start, rates=rates, schedule=schedule, weekly_units=body.weekly_units,
            visit_rules=visit_rules, rate_card_id=rate_card_id))
    completed = draft.complete(provider_id=body.provider_id, payment_basis=body.payment_basis, cycle=body.cycle,
                               start=body.start, end=body.end, concurrent=body.concurrent, rates=rates,
                               schedule=schedule, weekly_units=body.weekly_units, visit_rules=visit_rules,
                               rate_card_id=rate_card_id, funding=body.funding,
                               direct_payment_id=body.direct_payment_id, cost_centre=body.cost_centre)
    await check_funding(conn, draft.person_ref, body.funding, body.direct_payment_id)
    return completed


@router.post("/agreements", status_code=status.HTTP_201_CREATED, response_model=AgreementOut,
             summary="Draft an agreement directly (approved requests are drafted automatically)",
             description="409 when the provider is unknown or not registered for the service, its rate card is not "
                         "in force on the start or cannot price the terms, or the funding direct payment cannot "
                         "fund it.")
async def draft_agreement(body: AgreementIn, request: Request,
                          principal: Annotated[Principal, Depends(require("brokerage_officer"))]) -> AgreementOut:
    with refusals():
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
            summary="Complete a draft: provider, basis, cycle, dates, rates, schedule, visit rules",
            description="409 when the agreement is no longer a draft, or as for drafting one (the provider, its "
                        "rate card, the funding direct payment).")
async def complete_agreement(agreement_id: PathId, body: TermsIn, request: Request,
                             principal: Annotated[Principal, Depends(require("brokerage_officer"))]) -> AgreementOut:
    with refusals():
        async with transaction(request) as conn:
            completed = await complete_draft(conn, await visible_agreement(conn, principal, agreement_id, lock=True),
                                             body)
            await store_agreements.save(conn, completed, principal.subject)
            await store_audit.record_action(conn, agreement_id, "draft_completed", principal.subject, principal.role)
    return agreement_out(completed)


@router.get("/agreements", response_model=list[AgreementOut], responses=PAGED,
            summary="Agreements, oldest first; a provider sees only its own, a person only theirs")
async def list_agreements(request: Request, response: Response,
                          principal: Annotated[Principal, Depends(require(*READERS))],
                          page: Annotated[Page, Depends(page_params)],
                          person_ref: QueryFilter = None, provider_id: QueryFilter = None,
                          request_id: QueryFilter = None,
                          status_is: Annotated[AgreementStatus | None, Query(alias="status")] = None
                          ) -> list[AgreementOut]:
    """Every agreement matching the filters, a page at a time (`limit`, then `after` from the `Link` header's
    next page). A provider's or person's own identity replaces whatever filter they asked for."""
    if principal.role == "provider":
        provider_id = principal.provider_id
    if principal.role == "person":
        person_ref = principal.person_ref
    async with transaction(request) as conn:
        found = await store_agreements.search(conn, person_ref=person_ref, provider_id=provider_id,
                                              request_id=request_id, status=status_is.value if status_is else None,
                                              after=page.after_key((datetime, str)),
                                              limit=page.fetch)
    shown = paged(request, response, found, page, key=lambda f: f[0])
    return [agreement_out(a) for _, a in shown if may_see(principal, a)]


@router.get("/agreements/{agreement_id}", response_model=AgreementOut, summary="One agreement with all its versions")
async def get_agreement(agreement_id: PathId, request: Request,
                        principal: Annotated[Principal, Depends(require(*READERS))]) -> AgreementOut:
    async with transaction(request) as conn:
        return agreement_out(await visible_agreement(conn, principal, agreement_id))


@router.get("/agreements/{agreement_id}/shortlist", response_model=list[ShortlistEntryOut],
            responses={**PAGED, **problem_responses(409)},
            summary="Registered providers of the draft's service, cheapest first (from their rate cards)",
            description="409 when the draft has no start date yet (the rates in force on it are compared).")
async def list_shortlisted_providers(
        agreement_id: PathId, request: Request, response: Response,
        principal: Annotated[Principal, Depends(require("brokerage_officer", "social_worker"))],
        page: Annotated[Page, Depends(page_params)]) -> list[ShortlistEntryOut]:
    after = page.after_key((int, int, int, str, str, str))
    with refusals():
        async with transaction(request) as conn:
            draft = await visible_agreement(conn, principal, agreement_id)
            offers = [ProviderOffer(pid, name, card)
                      for pid, name, card in await store_providers.offers_for(conn, draft.service_type.value)]
            ranked = [e for e in shortlist(draft, offers) if after is None or rank(e) > after]
    return [ShortlistEntryOut(**e.__dict__) for e in paged(request, response, ranked[:page.fetch], page, key=rank)]


@router.get("/agreements/{agreement_id}/prices", response_model=PricesOut, responses=problem_responses(409),
            summary="Planned price of each day (dry run), each under the terms in force that day",
            description="409 when the agreement's terms cannot price a day (a draft not yet complete).")
async def preview_agreement_prices(
        agreement_id: PathId, request: Request, principal: Annotated[Principal, Depends(require(*READERS))],
        first: Annotated[IsoDate, Query(alias="from", description="The first day priced.")],
        count: Annotated[int, Query(alias="days", ge=1, le=MAX_PRICED_DAYS,
                                    description=f"How many days from `from` (1 to {MAX_PRICED_DAYS}); fewer "
                                                "when the calendar ends first.")]) -> PricesOut:
    last = first + timedelta(days=count - 1) if (date.max - first).days >= count - 1 else date.max
    async with transaction(request) as conn:
        agreement = await visible_agreement(conn, principal, agreement_id)
    try:
        priced = [DayPriceOut(day=d, pence=price_of_day(agreement, d),
                              version=t.version if (t := agreement.terms_on(d)) and agreement.is_payable_on(d)
                              else None) for d in days(first, last)]
        # The total is rounded once over the period (weekly units spread over days are not whole pence).
        total = price_of_period(agreement, first, last)
    except Rejected as refused:
        raise Conflict(None, f"the agreement's terms cannot price every day: {refused.field}: {refused.rule}",
                       code="terms_cannot_be_priced") from refused
    return PricesOut(agreement_id=agreement_id, total_pence=total, days=priced)


@router.get("/agreements/{agreement_id}/history", response_model=list[AuditOut], responses=PAGED,
            summary="Who changed the agreement, when and why (oldest first)")
async def list_agreement_history(
        agreement_id: PathId, request: Request, response: Response,
        principal: Annotated[Principal, Depends(require(
            "social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops"))],
        page: Annotated[Page, Depends(page_params)]) -> list[AuditOut]:
    async with transaction(request) as conn:
        await visible_agreement(conn, principal, agreement_id)
        rows = await store_audit.history(conn, agreement_id, after=page.after_key((datetime, int)),
                                         limit=page.fetch)
    return [AuditOut(**dict(r)) for r in paged(request, response, rows, page, key=lambda r: (r["at"], r["id"]))]
