"""Who is calling: a provider, a person or an officer may call the queries API, and the login role decides
the side someone acts for (a provider token for its provider, a person token for its person, an officer
role as an officer, keeping the login role: only finance moves money). What that side may do is the
domain's entitlement (403 with its reason). Any other role (a personal assistant) is refused (403), never
read as an officer."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.queries.domain.query import Party
from shared.auth import OFFICER_ROLES, Principal, require

ANYONE = require("provider", "person", *sorted(OFFICER_ROLES))
Caller = Annotated[Principal, Depends(ANYONE)]


def party_of(principal: Principal) -> Party:
    if principal.role == "provider":
        return Party.provider(principal.subject, principal.provider_id)
    if principal.role == "person":
        return Party.person(principal.subject, principal.person_ref)
    return Party.officer(principal.subject, principal.role)
