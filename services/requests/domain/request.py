"""A request for service and its steps: each step returns a `Transition` (the new state, the one
event to publish, the status it left); the caller records all of it in one transaction.

Pure: no database, no Kafka, no HTTP.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from contracts.common import Mechanism, ServiceType
from contracts.requests import (BudgetAgreed, BudgetReassessed, MechanismChosen, RequestActivated,
                                RequestApproved, RequestAssessed, RequestCancelled, RequestClosed, RequestEvent,
                                ServiceRequested)
from shared.clock import london_date, utcnow
from services.requests.domain.assessment import Assessment
from services.requests.domain.budget import Budget
from services.requests.domain.errors import IllegalTransition, InvalidInput
from services.requests.domain.lifecycle import Action, RequestStatus, check_allowed
from services.requests.domain.locality import clean_locality
from services.requests.domain.mechanism import MechanismChoice
from services.requests.domain.reassessment import Reassessment


class RequestedBy(StrEnum):
    PERSON = "person"
    REPRESENTATIVE = "representative"
    SOCIAL_WORKER = "social_worker"


def days_from_request_to_start(submitted_on: date, service_start: date) -> int:
    """Whole days from the request to the service starting; a backdated start counts as 0."""
    return max(0, (service_start - submitted_on).days)


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
    locality: str | None = None  # the council team or locality the person is cared for from, when given

    @classmethod
    def submit(cls, person_ref: str, requested_by: RequestedBy, requested_start: date,
               needs: tuple[str, ...] = (), service_type: ServiceType | None = None,
               locality: str | None = None) -> "ServiceRequest":
        """A new request, submitted now (London date); a locality given must be a valid one (422 naming it)."""
        return cls(f"REQ-{uuid.uuid4().hex[:12].upper()}", person_ref, requested_by, requested_start,
                   tuple(needs), service_type=service_type, locality=clean_locality(locality))

    def submission(self) -> Transition:
        """The first step: the request exists and is announced."""
        return Transition(Action.SUBMIT, None, self, ServiceRequested(
            request_id=self.request_id, person_ref=self.person_ref, requested_by=self.requested_by.value,
            requested_start=self.requested_start, service_type=self.service_type, locality=self.locality))

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
                                       weekly_contribution_pence=budget.weekly_contribution_pence,
                                       effective_from=self.requested_start))

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
            requested_start=self.requested_start, locality=self.locality))

    def activate(self, service_start: date) -> Transition:
        """An agreement or direct payment for this request is in place from `service_start`."""
        self._check(Action.ACTIVATE)
        days = days_from_request_to_start(self.submitted_on, service_start)
        return self._step(Action.ACTIVATE, replace(self, service_start=service_start, days_to_start=days),
                          RequestStatus.ACTIVE, RequestActivated(**self._ids(), service_start=service_start,
                                                                 days_from_request_to_start=days))

    @property
    def start(self) -> date:
        """When the service starts: as recorded at activation, else as requested."""
        return self.service_start or self.requested_start

    def reassess(self, reassessment: Reassessment) -> Transition:
        """A new budget from `reassessment.effective_from` (see domain.reassessment); the request stays active.
        Refused naming the field (422), a request that is not active included."""
        if self.status is not RequestStatus.ACTIVE:
            raise InvalidInput("status", f"request {self.request_id} is {self.status.value}: only an active request "
                                         "(its service in place) can be reassessed; before that, agree its budget")
        if reassessment.effective_from < self.start:
            raise InvalidInput("effective_from", f"must not be before the request's start {self.start}")
        assert self.budget is not None  # an active request has its budget
        new = reassessment.budget
        return self._step(Action.REASSESS, replace(self, budget=new), RequestStatus.ACTIVE, BudgetReassessed(
            **self._ids(), reassessment_id=reassessment.reassessment_id, effective_from=reassessment.effective_from,
            weekly_budget_pence=new.weekly_budget_pence, weekly_contribution_pence=new.weekly_contribution_pence,
            previous_weekly_budget_pence=self.budget.weekly_budget_pence,
            previous_weekly_contribution_pence=self.budget.weekly_contribution_pence))

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
        check_allowed(self.request_id, self.status, action)

    def _step(self, action: Action, changed: "ServiceRequest", after: RequestStatus,
              event: RequestEvent) -> Transition:
        self._check(action)
        return Transition(action, self.status, replace(changed, status=after), event)


def _reason(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("reason", f"required: say why the request is {what}")
    return text
