"""Who may send and read what over HTTP: a provider only its own feeds, visits and periods; officers all.

A provider is named by its provider_id (PRV-…, the agreements register's id) in every path and query; its
CQC provider and location IDs are what its records carry inside (`provider_ref`), mapped by the book."""
from __future__ import annotations

from fastapi import HTTPException, Request, status

from services.delivery.domain.known_agreements import KnownAgreement
from services.delivery.store.agreements import BOOK, refresh
from shared.auth import OFFICER_ROLES, Principal, forbid_unless_provider
from shared.http import not_found, runtime_of
from shared.problems import ApiProblem

PROVIDER_OR_OFFICER = ("provider", *sorted(OFFICER_ROLES))
OFFICERS = tuple(sorted(OFFICER_ROLES))


async def refreshed_book(request: Request):
    """This process's agreement book, brought up to date with the database (one cheap query)."""
    pool = runtime_of(request).pool
    if pool is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready",
                            headers={"Retry-After": "2"})
    async with pool.acquire() as conn:
        await refresh(conn, BOOK)
    return BOOK


FIND_PROVIDER_ID = ("use the provider_id (PRV-…) from the agreements register: GET /providers?cqc_provider_id=… "
                    "(or ?cqc_location_id=…) on the agreements service finds it from a CQC ID")


def unknown_provider(provider_id: str) -> ApiProblem:
    """404 for a provider_id delivery has not been told of, saying where the right one is found."""
    return ApiProblem(status.HTTP_404_NOT_FOUND, "unknown_provider",
                      f"provider {provider_id} is not a provider delivery knows: {FIND_PROVIDER_ID}")


async def feed_provider(request: Request, principal: Principal, provider_id: str) -> str:
    """The provider a feed is sent for, named in the path by its provider_id (PRV-…): 403 when a provider
    token names another provider (the reason names the token's own provider_id and the one asked for), 404
    when delivery knows no such provider. A CQC ID sent in its place is said to be one, and the provider_id
    it belongs to named, to those who may see that provider."""
    book = await refreshed_book(request)
    if book.knows_provider(provider_id):
        forbid_unless_provider(principal, provider_id, "visits")
        return provider_id
    owner = book.provider_id_for(provider_id)  # a CQC provider or location ID in place of the provider_id
    if owner is not None and principal.may_see_provider(owner):
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "cqc_id_not_provider_id",
                         f"{provider_id} is a CQC ID, not a provider_id: this provider's provider_id is "
                         f"{owner} (send to /providers/{owner}/…)")
    forbid_unless_provider(principal, provider_id, "visits")
    raise unknown_provider(provider_id)


async def visible_agreement(request: Request, principal: Principal, agreement_id: str) -> KnownAgreement:
    """The agreement, or 404 (also when a provider asks for another provider's agreement)."""
    book = await refreshed_book(request)
    agreement = book.agreements.get(agreement_id)
    if agreement is None or not principal.may_see_provider(agreement.provider_id):
        raise not_found(f"agreement {agreement_id}")
    return agreement


def provider_scope(principal: Principal, provider_id: str | None) -> str | None:
    """The provider a list is limited to: a provider sees only itself (403 naming both when it asks for another)."""
    if principal.role == "provider":
        if provider_id is not None:
            forbid_unless_provider(principal, provider_id, "records")
        return principal.provider_id
    return provider_id
