"""Rules of a request for service: its lifecycle, who may move it, and what each step needs.

Pure: no database, no Kafka, no HTTP. Each step returns a `Transition` (the new state, the one
event to publish, the status it left); the caller records all of it in one transaction.

    submitted -> assessed -> budget_agreed -> mechanism_chosen -> approved -> active -> closed
    any state that is not final -> cancelled

Changing the mechanism later is a step of its own: before approval it stays `mechanism_chosen`;
after approval it goes back to `mechanism_chosen` (the approval was for the old arrangement);
once active it stays active (the service runs on until the agreements service arranges the new one).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from contracts.common import Mechanism, Nominee, ServiceType
from contracts.requests import (BudgetAgreed, MechanismChosen, RequestActivated, RequestApproved,
                                RequestAssessed, RequestCancelled, RequestClosed, RequestEvent,
                                ServiceRequested)
from shared.clock import london_date, utcnow
from shared.errors import IllegalState, RuleBroken


class RequestedBy(StrEnum):
    PERSON = "person"
    REPRESENTATIVE = "representative"
    SOCIAL_WORKER = "social_worker"


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
    CANCEL = "cancel"
    CLOSE = "close"


S = RequestStatus
ALLOWED_FROM: dict[Action, frozenset[RequestStatus]] = {
    Action.ASSESS: frozenset({S.SUBMITTED}),
    Action.AGREE_BUDGET: frozenset({S.ASSESSED}),
    Action.CHOOSE_MECHANISM: frozenset({S.BUDGET_AGREED, S.MECHANISM_CHOSEN, S.APPROVED, S.ACTIVE}),
    Action.APPROVE: frozenset({S.MECHANISM_CHOSEN}),
    Action.ACTIVATE: frozenset({S.APPROVED}),
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
    Action.CANCEL: "cancelled",
    Action.CLOSE: "closed",
}

# Who may take each step through the API. Activation has no role: only the agreements
# service's events activate a request. A person acts only on their own requests (checked by
# the caller, which knows the token's person_ref).
PERMITTED_ROLES: dict[Action, frozenset[str]] = {
    Action.SUBMIT: frozenset({"person", "social_worker"}),
    Action.ASSESS: frozenset({"social_worker"}),
    Action.AGREE_BUDGET: frozenset({"social_worker"}),
    Action.CHOOSE_MECHANISM: frozenset({"person", "social_worker"}),
    Action.APPROVE: frozenset({"brokerage_officer"}),
    Action.ACTIVATE: frozenset(),
    Action.CANCEL: frozenset({"person", "social_worker", "brokerage_officer"}),
    Action.CLOSE: frozenset({"brokerage_officer"}),
}
# Who may read requests (including the personal details held here).
READERS = frozenset({"person", "social_worker", "brokerage_officer"})


class InvalidInput(RuleBroken):
    """Input that breaks a rule: names the field and the rule (HTTP 422)."""


class IllegalTransition(IllegalState):
    """A step the request's current state does not allow (HTTP 409); the message says why."""


def may(role: str, action: Action) -> bool:
    return role in PERMITTED_ROLES[action]


def check_submitter(role: str, requested_by: RequestedBy) -> None:
    """A person (or their representative, using the person's access) cannot claim to be a social worker."""
    if role == "person" and requested_by == RequestedBy.SOCIAL_WORKER:
        raise InvalidInput("requested_by", "a person submits as person or representative, not social_worker")


def allowed_actions(status: RequestStatus) -> list[Action]:
    """The steps a request in `status` can take next, in lifecycle order."""
    return [a for a, sources in ALLOWED_FROM.items() if status in sources]


def days_from_request_to_start(submitted_on: date, service_start: date) -> int:
    """Whole days from the request to the service starting; a backdated start counts as 0."""
    return max(0, (service_start - submitted_on).days)


@dataclass(frozen=True)
class Assessment:
    """The outcome of the needs assessment. The needs and outcomes text never leave this service."""

    eligible: bool
    service_type: ServiceType
    needs: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("needs", "outcomes"):
            if any(not text.strip() for text in getattr(self, name)):
                raise InvalidInput(name, "each entry must be text, not blank")
        if self.service_type == ServiceType.DIRECT_PAYMENT:
            raise InvalidInput("service_type", "direct_payment is a way of paying, not a kind of care:"
                                               " assess the care needed and choose direct_payment as the mechanism")
        if self.eligible and not self.needs:
            raise InvalidInput("needs", "an eligible assessment must record at least one need")
        if self.eligible and not self.outcomes:
            raise InvalidInput("outcomes", "an eligible assessment must record at least one outcome")


@dataclass(frozen=True)
class Budget:
    """The weekly personal budget and the person's assessed weekly contribution, in pence."""

    weekly_budget_pence: int
    weekly_contribution_pence: int = 0

    def __post_init__(self) -> None:
        for name in ("weekly_budget_pence", "weekly_contribution_pence"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(name, "must be a whole number of pence")
            if value < 0:
                raise InvalidInput(name, "must be 0 or more")
        if self.weekly_contribution_pence > self.weekly_budget_pence:
            raise InvalidInput("weekly_contribution_pence",
                               f"must not exceed weekly_budget_pence ({self.weekly_budget_pence})")

    @property
    def weekly_net_pence(self) -> int:
        """What the council pays each week: the budget less the person's contribution."""
        return self.weekly_budget_pence - self.weekly_contribution_pence


@dataclass(frozen=True)
class MechanismChoice:
    """How the budget is paid: a nominee for a direct payment, a preferred provider otherwise."""

    mechanism: Mechanism
    nominee: Nominee | None = None
    preferred_provider_id: str | None = None

    def __post_init__(self) -> None:
        direct = self.mechanism == Mechanism.DIRECT_PAYMENT
        if direct and self.nominee is None:
            raise InvalidInput("nominee", "required for direct_payment: one of "
                                          + ", ".join(n.value for n in Nominee))
        if not direct and self.nominee is not None:
            raise InvalidInput("nominee", f"only for direct_payment; leave it out for {self.mechanism.value}")
        if direct and self.preferred_provider_id is not None:
            raise InvalidInput("preferred_provider_id", "only for council_arranged or isf: with a direct"
                                                        " payment the person or nominee buys the care")


@dataclass(frozen=True)
class Transition:
    """One step: the request after it, the status it left, and the event that announces it."""

    action: Action
    before: RequestStatus | None
    request: "ServiceRequest"
    event: RequestEvent


@dataclass(frozen=True)
class ServiceRequest:
    request_id: str
    person_ref: str
    requested_by: RequestedBy
    requested_start: date
    needs: tuple[str, ...] = ()
    status: RequestStatus = RequestStatus.SUBMITTED
    service_type: ServiceType | None = None  # the kind of care asked for, when the asker knows
    submitted_on: date = field(default_factory=lambda: london_date(utcnow()))
    assessment: Assessment | None = None
    budget: Budget | None = None
    choice: MechanismChoice | None = None
    service_start: date | None = None
    days_to_start: int | None = None

    @classmethod
    def submit(cls, person_ref: str, requested_by: RequestedBy, requested_start: date,
               needs: tuple[str, ...] = (), service_type: ServiceType | None = None) -> "ServiceRequest":
        """A new request, submitted now (London date)."""
        return cls(f"REQ-{uuid.uuid4().hex[:12].upper()}", person_ref, requested_by, requested_start,
                   tuple(needs), service_type=service_type)

    def submission(self) -> Transition:
        """The first step: the request exists and is announced."""
        return Transition(Action.SUBMIT, None, self, ServiceRequested(
            request_id=self.request_id, person_ref=self.person_ref, requested_by=self.requested_by.value,
            requested_start=self.requested_start, service_type=self.service_type))

    def assess(self, assessment: Assessment) -> Transition:
        return self._step(Action.ASSESS, replace(self, assessment=assessment), RequestStatus.ASSESSED,
                          RequestAssessed(**self._ids(), eligible=assessment.eligible,
                                          service_type=assessment.service_type))

    def agree_budget(self, budget: Budget) -> Transition:
        self._check(Action.AGREE_BUDGET)
        if not self.assessment.eligible:
            raise IllegalTransition(f"request {self.request_id} was assessed as not eligible, so no budget"
                                    " can be agreed; it can only be cancelled")
        return self._step(Action.AGREE_BUDGET, replace(self, budget=budget), RequestStatus.BUDGET_AGREED,
                          BudgetAgreed(**self._ids(), weekly_budget_pence=budget.weekly_budget_pence,
                                       weekly_contribution_pence=budget.weekly_contribution_pence))

    def choose_mechanism(self, choice: MechanismChoice) -> Transition:
        self._check(Action.CHOOSE_MECHANISM)
        if choice == self.choice:
            raise IllegalTransition(f"request {self.request_id} already has mechanism {choice.mechanism.value}"
                                    " with the same nominee and provider; nothing to change")
        if choice.mechanism == Mechanism.DIRECT_PAYMENT and self.budget.weekly_net_pence == 0:
            raise InvalidInput("mechanism", "direct_payment needs a budget above the person's contribution;"
                                            " here the council would pay nothing")
        after = RequestStatus.ACTIVE if self.status == RequestStatus.ACTIVE else RequestStatus.MECHANISM_CHOSEN
        previous = self.choice.mechanism if self.choice else None
        return self._step(Action.CHOOSE_MECHANISM, replace(self, choice=choice), after, MechanismChosen(
            **self._ids(), mechanism=choice.mechanism, nominee=choice.nominee,
            preferred_provider_id=choice.preferred_provider_id, previous_mechanism=previous))

    def approve(self) -> Transition:
        self._check(Action.APPROVE)
        assert self.assessment and self.budget and self.choice  # guaranteed by the states before
        return self._step(Action.APPROVE, self, RequestStatus.APPROVED, RequestApproved(
            **self._ids(), service_type=self.assessment.service_type, mechanism=self.choice.mechanism,
            nominee=self.choice.nominee, preferred_provider_id=self.choice.preferred_provider_id,
            weekly_budget_pence=self.budget.weekly_budget_pence,
            weekly_contribution_pence=self.budget.weekly_contribution_pence,
            requested_start=self.requested_start))

    def activate(self, service_start: date) -> Transition:
        """An agreement or direct payment for this request is in place from `service_start`."""
        self._check(Action.ACTIVATE)
        days = days_from_request_to_start(self.submitted_on, service_start)
        return self._step(Action.ACTIVATE, replace(self, service_start=service_start, days_to_start=days),
                          RequestStatus.ACTIVE, RequestActivated(**self._ids(), service_start=service_start,
                                                                 days_from_request_to_start=days))

    def cancel(self, reason: str) -> Transition:
        self._check(Action.CANCEL)  # a final request answers 409 before its reason is looked at
        return self._step(Action.CANCEL, self, RequestStatus.CANCELLED,
                          RequestCancelled(**self._ids(), reason=_reason(reason, "cancelled")))

    def close(self, reason: str) -> Transition:
        self._check(Action.CLOSE)
        return self._step(Action.CLOSE, self, RequestStatus.CLOSED,
                          RequestClosed(**self._ids(), reason=_reason(reason, "closed")))

    # --- the machinery of a step ------------------------------------------------------------
    def _ids(self) -> dict[str, str]:
        return {"request_id": self.request_id, "person_ref": self.person_ref}

    def _check(self, action: Action) -> None:
        if self.status in ALLOWED_FROM[action]:
            return
        if self.status in FINAL:
            raise IllegalTransition(f"request {self.request_id} is {self.status.value}, which is final:"
                                    " it cannot change any more")
        options = ", ".join(_PARTICIPLE[a] for a in allowed_actions(self.status))
        raise IllegalTransition(f"request {self.request_id} is {self.status.value}, so it cannot be"
                                f" {_PARTICIPLE[action]}; from {self.status.value} it can be {options}")

    def _step(self, action: Action, changed: "ServiceRequest", after: RequestStatus,
              event: RequestEvent) -> Transition:
        self._check(action)
        return Transition(action, self.status, replace(changed, status=after), event)


def _reason(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("reason", f"required: say why the request is {what}")
    return text
