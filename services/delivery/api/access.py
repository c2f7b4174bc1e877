"""Who may send and read what over HTTP: a provider only its own feeds, visits and periods; officers all."""
from __future__ import annotations

from fastapi import HTTPException, Request, status

from services.delivery.domain.known_agreements import KnownAgreement
from services.delivery.store.agreements import BOOK, refresh
from shared.auth import OFFICER_ROLES, Principal, forbid_unless
from shared.http import not_found, runtime_of

PROVIDER_OR_OFFICER = ("provider", *sorted(OFFICER_ROLES))
OFFICERS = tuple(sorted(OFFICER_ROLES))


async def refreshed_book(request: Request):
    """This process's agreement book, brought up to date with the database (one cheap query)."""
    pool = runtime_of(request).pool
    if pool is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready")
    async with pool.acquire() as conn:
        await refresh(conn, BOOK)
    return BOOK


async def feed_provider(request: Request, principal: Principal, provider_ref: str) -> str:
    """The provider_id a feed sent under `provider_ref` (its CQC provider or location ID) is for."""
    book = await refreshed_book(request)
    provider_id = book.provider_id_for(provider_ref)
    if provider_id is None:
        raise not_found(f"provider {provider_ref} (send the CQC provider ID on the council's register)")
    forbid_unless(principal.may_see_provider(provider_id), f"a provider may send and read only its own visits, "
                                                           f"not those of {provider_ref}")
    return provider_id


async def visible_agreement(request: Request, principal: Principal, agreement_id: str) -> KnownAgreement:
    """The agreement, or 404 (also when a provider asks for another provider's agreement)."""
    book = await refreshed_book(request)
    agreement = book.agreements.get(agreement_id)
    if agreement is None or not principal.may_see_provider(agreement.provider_id):
        raise not_found(f"agreement {agreement_id}")
    return agreement


def provider_scope(principal: Principal, provider_id: str | None) -> str | None:
    """The provider a list is limited to: a provider sees only itself."""
    if principal.role == "provider":
        forbid_unless(provider_id in (None, principal.provider_id), "a provider may list only its own records")
        return principal.provider_id
    return provider_id
