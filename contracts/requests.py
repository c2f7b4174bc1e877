"""Events published by the requests service on `requests.events` (keyed by request_id).

Events carry the pseudonymous `person_ref`, never names or addresses.
Also, keyed by person_ref: PersonAllocated and PersonDeallocated (a person's allocation to a worker).
Lifecycle: submitted -> assessed -> budget agreed -> mechanism chosen -> approved -> active ->
closed; or cancelled.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from contracts.common import Mechanism, Nominee, ServiceType
from contracts.envelope import Event
from contracts.registry import register

TOPIC = "requests.events"


class RequestEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
    request_id: str = Field(description="The request for service (aggregate id and Kafka key).")
    person_ref: str = Field(description="Pseudonymous reference of the person (no personal data).")

    def aggregate_id(self) -> str:
        return self.request_id


@register
class ServiceRequested(RequestEvent):
    """A person, their representative or their social worker asked for care and support."""

    EVENT_TYPE: ClassVar[str] = "ServiceRequested"
    requested_by: str = Field(description="person, representative or social_worker")
    requested_start: date
    service_type: ServiceType | None = Field(default=None, description="The kind of care asked for, when known.")
    locality: str | None = Field(default=None, description=(
        "The council team or locality the person is cared for from (its cost centre is the council's rule)."))


@register
class RequestAssessed(RequestEvent):
    """Needs and outcomes from the assessment are recorded (the text stays in the requests service)."""

    EVENT_TYPE: ClassVar[str] = "RequestAssessed"
    eligible: bool
    service_type: ServiceType


@register
class BudgetAgreed(RequestEvent):
    """The personal budget and the person's assessed contribution are agreed."""

    EVENT_TYPE: ClassVar[str] = "BudgetAgreed"
    weekly_budget_pence: int = Field(ge=0)
    weekly_contribution_pence: int = Field(ge=0)
    effective_from: date | None = Field(default=None, description=(
        "The first day the budget applies (the request's requested start); None: published before it was said."))


@register
class BudgetReassessed(RequestEvent):
    """After a reassessment of an active request, a new personal budget and contribution apply from
    `effective_from` (days before keep the old). A live direct payment changes only when agreements
    varies it (`DirectPaymentVaried`, naming this `reassessment_id`)."""

    EVENT_TYPE: ClassVar[str] = "BudgetReassessed"
    reassessment_id: str
    effective_from: date
    weekly_budget_pence: int = Field(ge=0)
    weekly_contribution_pence: int = Field(ge=0)
    previous_weekly_budget_pence: int = Field(ge=0)
    previous_weekly_contribution_pence: int = Field(ge=0)


@register
class MechanismChosen(RequestEvent):
    """The person chose (or changed) how the budget is paid."""

    EVENT_TYPE: ClassVar[str] = "MechanismChosen"
    mechanism: Mechanism
    nominee: Nominee | None = Field(default=None, description="For direct payments: who receives them.")
    preferred_provider_id: str | None = None
    previous_mechanism: Mechanism | None = Field(default=None, description="Set when this is a change.")


@register
class RequestApproved(RequestEvent):
    """The request is approved: brokerage (or the direct payment) can be arranged.

    Carries everything agreements needs to draft the agreement or direct payment.
    """

    EVENT_TYPE: ClassVar[str] = "RequestApproved"
    service_type: ServiceType
    mechanism: Mechanism
    nominee: Nominee | None = None
    preferred_provider_id: str | None = None
    weekly_budget_pence: int = Field(ge=0)
    weekly_contribution_pence: int = Field(ge=0)
    requested_start: date
    locality: str | None = Field(default=None, description="The team or locality of the request, when given.")


@register
class RequestActivated(RequestEvent):
    """An agreement or direct payment is in place: the service has started."""

    EVENT_TYPE: ClassVar[str] = "RequestActivated"
    service_start: date
    days_from_request_to_start: int = Field(ge=0)


@register
class RequestCancelled(RequestEvent):
    EVENT_TYPE: ClassVar[str] = "RequestCancelled"
    reason: str


@register
class RequestClosed(RequestEvent):
    EVENT_TYPE: ClassVar[str] = "RequestClosed"
    reason: str


class AllocationEvent(Event):
    """A change to who a person is allocated to. Keyed by person_ref: a person's allocations stay in order.

    Access to a person comes from an allocation (made by a team manager or a brokerage officer),
    never from acting on the person's requests. Ids only: no personal data."""

    TOPIC: ClassVar[str] = TOPIC
    person_ref: str = Field(description="Pseudonymous reference of the person (no personal data).")
    allocation_id: str = Field(description="The allocation (one worker, one role, for one person).")
    worker_id: str = Field(description="User id (token subject) of the worker allocated, never a name.")
    worker_role: str = Field(description="social_worker or brokerage_officer: the role the worker acts in.")

    def aggregate_id(self) -> str:
        return self.person_ref


@register
class PersonAllocated(AllocationEvent):
    """A person is allocated to a worker's caseload: the worker may now read and act on the person's
    requests (and a social worker read the person's budget and statement in reporting)."""

    EVENT_TYPE: ClassVar[str] = "PersonAllocated"


@register
class PersonDeallocated(AllocationEvent):
    """An allocation ended (or was replaced by another worker's): the worker's access to the person ends."""

    EVENT_TYPE: ClassVar[str] = "PersonDeallocated"
