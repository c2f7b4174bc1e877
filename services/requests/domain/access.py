"""Who may take each step of a request, and who may read requests.

A person acts only on their own requests (checked by the caller, which knows the token's person_ref).
"""
from __future__ import annotations

from services.requests.domain.errors import InvalidInput
from services.requests.domain.lifecycle import Action
from services.requests.domain.request import RequestedBy

# Who may take each step through the API. Activation has no role: only the agreements
# service's events activate a request.
PERMITTED_ROLES: dict[Action, frozenset[str]] = {
    Action.SUBMIT: frozenset({"person", "social_worker"}),
    Action.ASSESS: frozenset({"social_worker"}),
    Action.AGREE_BUDGET: frozenset({"social_worker"}),
    Action.CHOOSE_MECHANISM: frozenset({"person", "social_worker"}),
    Action.APPROVE: frozenset({"brokerage_officer"}),
    Action.ACTIVATE: frozenset(),
    Action.REASSESS: frozenset({"social_worker", "team_manager"}),
    Action.CANCEL: frozenset({"person", "social_worker", "brokerage_officer"}),
    Action.CLOSE: frozenset({"brokerage_officer"}),
}
# Who may read requests (including the personal details held here).
READERS = frozenset({"person", "social_worker", "brokerage_officer"})
# Roles that take their steps (a reassessment) on any person's request, without an allocation: a team
# manager allocates every person to their workers. They read no request (not in READERS).
COUNCIL_WIDE = frozenset({"team_manager"})


def may(role: str, action: Action) -> bool:
    return role in PERMITTED_ROLES[action]


def check_submitter(role: str, requested_by: RequestedBy) -> None:
    """A person (or their representative, using the person's access) cannot claim to be a social worker."""
    if role == "person" and requested_by == RequestedBy.SOCIAL_WORKER:
        raise InvalidInput("requested_by", "a person submits as person or representative, not social_worker")
