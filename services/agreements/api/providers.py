"""HTTP: the provider register, bank details with their second-person check, and rate cards."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from contracts import agreements as contract, payee_accounts
from shared.auth import Principal, forbid_unless_provider, require
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.agreements.api.errors import refusals
from services.agreements.api.fields import CareService, PathId, as_contract
from services.agreements.api.models import (BankAccountIn, BankChangeOut, BankDetailsOut, DecisionIn, ProviderIn,
                                            ProviderOut, RateCardIn, RateCardOut, SelfBillingOut)
from services.agreements.domain.errors import Conflict
from services.agreements.domain.bank_details import BankDetailsChange, ChangeStatus, masked
from services.agreements.domain.providers import check_self_billing, new_provider_id
from services.agreements.domain.rates import RateCard, cards_to_close
from services.agreements.events import rate_card_published
from services.agreements.steps.bank_details import decide_bank_details, enter_bank_details
from services.agreements.store import audit as store_audit, bank_details as store_bank_details
from services.agreements.store import providers as store_providers

router = APIRouter(tags=["providers"])

OFFICERS = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops")
FINANCE = ("finance_officer", "finance_approver", "ops")


async def _provider_out(conn, row, principal: Principal) -> ProviderOut:
    out = ProviderOut(provider_id=row["provider_id"], name=row["name"], cqc_provider_id=row["cqc_provider_id"],
                      cqc_location_ids=row["cqc_location_ids"], service_types=row["service_types"],
                      self_billing=SelfBillingOut(in_place=row["self_billing"],
                                                  agreed_on=row["self_billing_agreed_on"]))
    if principal.role in FINANCE:
        bank = await store_providers.bank_status(conn, row["provider_id"])
        last4 = bank["verified_last4"]
        out.bank_details = BankDetailsOut(status=bank["latest_status"] or "none",
                                          pending_change_id=bank["pending_change_id"],
                                          verified_account=masked(last4) if last4 else None,
                                          payments_held=bank["latest_status"] != "verified")
    return out


async def _existing_provider(conn, provider_id: str):
    row = await store_providers.get_provider(conn, provider_id)
    if row is None:
        raise not_found(f"provider {provider_id}")
    return row


@router.post("/providers", status_code=status.HTTP_201_CREATED, response_model=ProviderOut,
             summary="Register a provider (its bank details then await a second person's check)")
async def register_provider(body: ProviderIn, request: Request,
                            principal: Annotated[Principal, Depends(require("brokerage_officer", "finance_officer"))]
                            ) -> ProviderOut:
    provider_id = new_provider_id()
    change = BankDetailsChange.record(provider_id, changed_by=principal.subject)
    with refusals():
        check_self_billing(body.self_billing.in_place, body.self_billing.agreed_on)
        async with transaction(request) as conn:
            if not await store_providers.insert_provider(
                    conn, provider_id=provider_id, name=body.name, cqc_provider_id=body.cqc_provider_id,
                    cqc_location_ids=body.cqc_location_ids, service_types=[s.value for s in body.service_types],
                    self_billing=body.self_billing.in_place, self_billing_agreed_on=body.self_billing.agreed_on,
                    registered_by=principal.subject):
                raise Conflict("cqc_provider_id", "a provider with this CQC provider ID is already registered",
                               code="provider_already_registered")
            await store_providers.record_bank_change(conn, change, body.bank_account.account())
            await store_audit.record_action(conn, provider_id, "registered", principal.subject, principal.role)
            await runtime_of(request).outbox.publish(conn, [
                contract.ProviderRegistered(provider_id=provider_id, name=body.name,
                                            cqc_provider_id=body.cqc_provider_id,
                                            cqc_location_ids=body.cqc_location_ids, service_types=body.service_types,
                                            self_billing=contract.SelfBilling(**body.self_billing.model_dump())),
                contract.ProviderBankDetailsChanged(provider_id=provider_id, change_id=change.change_id),
                payee_accounts.PayeeBankDetailsEntered(
                    provider_id=provider_id, change_id=change.change_id,
                    account_fingerprint=body.bank_account.account().fingerprint()),
            ], cause_of(request, principal))
            return await _provider_out(conn, await store_providers.get_provider(conn, provider_id), principal)


def _cqc_filter(what: str) -> Any:
    return Query(pattern=r"^1-[0-9]{9,11}$", max_length=20, examples=["1-101234567"],
                 description=f"Only the provider with this CQC {what} ID ('1-' and 9 to 11 digits).")


@router.get("/providers", response_model=list[ProviderOut], responses=PAGED,
            summary="Registered providers by name: by service type, or found by a CQC provider or location ID")
async def list_providers(request: Request, response: Response,
                         principal: Annotated[Principal, Depends(require(*OFFICERS, "provider"))],
                         page: Annotated[Page, Depends(page_params)], service_type: CareService | None = None,
                         cqc_provider_id: Annotated[str | None, _cqc_filter("provider")] = None,
                         cqc_location_id: Annotated[str | None, _cqc_filter("location")] = None) -> list[ProviderOut]:
    """Officers list every provider, a provider token only itself; by name, a page at a time (`limit`, `after`:
    the `Link` header's next page). `?cqc_provider_id=1-101234567` (or `?cqc_location_id=`) finds the provider
    a CQC ID belongs to: its `provider_id` (PRV-…) is the identifier every path, filter and token of every
    service takes. Nothing matching is an empty list."""
    only = principal.provider_id if principal.role == "provider" else None
    async with transaction(request) as conn:
        rows = await store_providers.list_providers(conn, store_providers.ProviderFilter(
            service_type.value if service_type else None, cqc_provider_id, cqc_location_id, only),
            after=page.after_key((str, str)), limit=page.fetch)
        shown = paged(request, response, rows, page, key=lambda r: (r["name"], r["provider_id"]))
        return [await _provider_out(conn, r, principal) for r in shown]


@router.get("/providers/{provider_id}", response_model=ProviderOut, summary="One provider")
async def get_provider(provider_id: PathId, request: Request,
                       principal: Annotated[Principal, Depends(require(*OFFICERS, "provider"))]) -> ProviderOut:
    forbid_unless_provider(principal, provider_id, "register entry")
    async with transaction(request) as conn:
        return await _provider_out(conn, await _existing_provider(conn, provider_id), principal)


@router.post("/providers/{provider_id}/bank-details", status_code=status.HTTP_202_ACCEPTED,
             response_model=BankChangeOut, summary="Change bank details: recorded unverified, payments held")
async def change_provider_bank_details(provider_id: PathId, body: BankAccountIn, request: Request,
                                       principal: Annotated[Principal, Depends(require("finance_officer"))]
                                       ) -> BankChangeOut:
    change = BankDetailsChange.record(provider_id, changed_by=principal.subject)
    async with transaction(request) as conn:
        await _existing_provider(conn, provider_id)
        # Its actor (the caller) is who entered the change: payments refuses a verification by them.
        # The yes/no for every consumer; the account's fingerprint only for payments, on its own topic.
        await enter_bank_details(conn, runtime_of(request).outbox, cause_of(request, principal),
                                 store_bank_details.PROVIDERS, change, body.account(), companions=[
                                     contract.ProviderBankDetailsChanged(provider_id=provider_id,
                                                                         change_id=change.change_id)])
    return BankChangeOut(provider_id=provider_id, change_id=change.change_id, status=change.status)


def _provider_decided(decided: BankDetailsChange, stands: bool) -> list[contract.AgreementsEvent]:
    """The account-free companion of a decision, for every consumer of agreements.events."""
    if decided.status is ChangeStatus.VERIFIED:
        return [contract.ProviderBankDetailsVerified(provider_id=decided.payee_id, change_id=decided.change_id)]
    return [contract.ProviderBankDetailsRejected(provider_id=decided.payee_id, change_id=decided.change_id,
                                                 previous_account_stands=stands)]


async def _decide(provider_id: str, change_id: str, verify: bool, body: DecisionIn, request: Request,
                  principal: Principal) -> BankChangeOut:
    with refusals():
        async with transaction(request) as conn:
            # The account only on agreements.payee-accounts (payments alone); the reason only in the audit log.
            decided = await decide_bank_details(conn, runtime_of(request).outbox,
                                                cause_of(request, principal, body.reason), store_bank_details.PROVIDERS,
                                                provider_id, change_id, verify=verify, companions=_provider_decided)
            if decided is None:
                raise not_found(f"bank details change {change_id} of provider {provider_id}")
    return BankChangeOut(provider_id=provider_id, change_id=change_id, status=decided.status)


@router.post("/providers/{provider_id}/bank-details/{change_id}/verify", response_model=BankChangeOut,
             summary="Verify a bank details change (a second person): payments to the new account may go",
             description="409 when the change is already decided or superseded; 403 for whoever entered it.")
async def verify_provider_bank_details(provider_id: PathId, change_id: PathId, request: Request,
                                       principal: Annotated[Principal, Depends(require("finance_approver"))],
                                       body: DecisionIn | None = None) -> BankChangeOut:
    return await _decide(provider_id, change_id, True, body or DecisionIn(), request, principal)


@router.post("/providers/{provider_id}/bank-details/{change_id}/reject", response_model=BankChangeOut,
             summary="Reject a bank details change (a second person)",
             description="409 when the change is already decided or superseded; 403 for whoever entered it.")
async def reject_provider_bank_details(provider_id: PathId, change_id: PathId, request: Request,
                                       principal: Annotated[Principal, Depends(require("finance_approver"))],
                                       body: DecisionIn | None = None) -> BankChangeOut:
    return await _decide(provider_id, change_id, False, body or DecisionIn(), request, principal)


def _card_out(card: RateCard) -> RateCardOut:
    return RateCardOut(rate_card_id=card.rate_card_id, provider_id=card.provider_id, service_type=card.service_type,
                       unit=card.unit, effective_from=card.effective_from, effective_to=card.effective_to,
                       rates=list(card.rates))


@router.post("/providers/{provider_id}/rate-cards", status_code=status.HTTP_201_CREATED, response_model=RateCardOut,
             summary="Publish a rate card (closes an open-ended earlier card the day before)",
             description="409 when the provider is not registered for the service, or the card would overlap "
                         "another of the same service and unit (other than closing an open-ended earlier one).")
async def publish_rate_card(provider_id: PathId, body: RateCardIn, request: Request,
                            principal: Annotated[Principal, Depends(require("brokerage_officer", "finance_officer"))]
                            ) -> RateCardOut:
    with refusals():
        async with transaction(request) as conn:
            provider = await _existing_provider(conn, provider_id)
            card = RateCard.new(provider_id, body.service_type, body.effective_from, body.effective_to,
                                as_contract(body.rates, contract.Rate))
            if body.service_type.value not in provider["service_types"]:
                raise Conflict("service_type", f"provider {provider_id} is not registered for {body.service_type}",
                               code="service_not_offered")
            existing = {c.rate_card_id: c for c in await store_providers.rate_cards(conn, provider_id)}
            # A closed card is published again with its new end, so consumers need no rule of their own.
            closed = [replace(existing[rate_card_id], effective_to=effective_to)
                      for rate_card_id, effective_to in cards_to_close(list(existing.values()), card)]
            for earlier in closed:
                await store_providers.close_rate_card(conn, earlier.rate_card_id, earlier.effective_to)
            await store_providers.insert_rate_card(conn, card, principal.subject)
            await store_audit.record_action(conn, card.rate_card_id, "rate_card_published", principal.subject, principal.role)
            await runtime_of(request).outbox.publish(conn, [rate_card_published(c) for c in (*closed, card)],
                                                     cause_of(request, principal))
    return _card_out(card)


@router.get("/providers/{provider_id}/rate-cards", response_model=list[RateCardOut], responses=PAGED,
            summary="A provider's rate cards, by the day each takes effect")
async def list_rate_cards(provider_id: PathId, request: Request, response: Response,
                          principal: Annotated[Principal, Depends(require(*OFFICERS, "provider"))],
                          page: Annotated[Page, Depends(page_params)]) -> list[RateCardOut]:
    forbid_unless_provider(principal, provider_id, "rate cards")
    async with transaction(request) as conn:
        await _existing_provider(conn, provider_id)
        cards = await store_providers.rate_cards_page(conn, provider_id, after=page.after_key((date, str)),
                                                      limit=page.fetch)
    return [_card_out(c) for c in paged(request, response, cards, page,
                                        key=lambda c: (c.effective_from, c.rate_card_id))]
