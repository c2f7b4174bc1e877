"""The lifecycle of a request: its states, the steps, and which step may be taken from which state.

    submitted -> assessed -> budget_agreed -> mechanism_chosen -> approved -> active -> closed
    any state that is not final -> cancelled

Changing the mechanism later is a step of its own: before approval it stays `mechanism_chosen`;
after approval it goes back to `mechanism_chosen` (the approval was for the old arrangement);
once active it stays active (the service runs on until the agreements service arranges the new one).
A reassessment (a new budget from a date) is a step of an active request; it stays active.
"""
from __future__ import annotations

from enum import StrEnum

from services.requests.domain.errors import IllegalTransition


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    ASSESSED = "assessed"
    BUDGET_AGREED = "budget_agreed"
    MECHANISM_CHOSEN = "mechanism_chosen"
    APPROVED = "approved"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


FINAL = frozenset({RequestStatus.CLOSED, RequestStatus.CANCELLED})


class Action(StrEnum):
    SUBMIT = "submit"
    ASSESS = "assess"
    AGREE_BUDGET = "agree_budget"
    CHOOSE_MECHANISM = "choose_mechanism"
    APPROVE = "approve"
    ACTIVATE = "activate"
    REASSESS = "reassess"
    CANCEL = "cancel"
    CLOSE = "close"


S = RequestStatus
ALLOWED_FROM: dict[Action, frozenset[RequestStatus]] = {
    Action.ASSESS: frozenset({S.SUBMITTED}),
    Action.AGREE_BUDGET: frozenset({S.ASSESSED}),
    Action.CHOOSE_MECHANISM: frozenset({S.BUDGET_AGREED, S.MECHANISM_CHOSEN, S.APPROVED, S.ACTIVE}),
    Action.APPROVE: frozenset({S.MECHANISM_CHOSEN}),
    Action.ACTIVATE: frozenset({S.APPROVED}),
    Action.REASSESS: frozenset({S.ACTIVE}),
    Action.CANCEL: frozenset(set(S) - FINAL),
    Action.CLOSE: frozenset({S.ACTIVE}),
}

# How each action reads in a sentence ("it can be assessed, cancelled").
_PARTICIPLE = {
    Action.ASSESS: "assessed",
    Action.AGREE_BUDGET: "given a budget",
    Action.CHOOSE_MECHANISM: "given a payment mechanism",
    Action.APPROVE: "approved",
    Action.ACTIVATE: "activated (by the agreements service)",
    Action.REASSESS: "reassessed",
    Action.CANCEL: "cancelled",
    Action.CLOSE: "closed",
}


def allowed_actions(status: RequestStatus) -> list[Action]:
    """The steps a request in `status` can take next, in lifecycle order."""
    return [a for a, sources in ALLOWED_FROM.items() if status in sources]


def check_allowed(request_id: str, status: RequestStatus, action: Action) -> None:
    """Refuse `action` on a request in `status` unless the lifecycle allows it, saying what the
    request is and what it can do from there (nothing, once final)."""
    if status in ALLOWED_FROM[action]:
        return
    if status in FINAL:
        raise IllegalTransition(f"request {request_id} is {status.value}, which is final:"
                                " it cannot change any more")
    options = ", ".join(_PARTICIPLE[a] for a in allowed_actions(status))
    raise IllegalTransition(f"request {request_id} is {status.value}, so it cannot be"
                            f" {_PARTICIPLE[action]}; from {status.value} it can be {options}")
