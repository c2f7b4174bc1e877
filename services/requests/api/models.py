"""What the requests API accepts and returns.

Bodies check what a schema can say: types, bounds, enums, patterns (a text that must say something, a
locality, a care type), and, in the document, the rules between fields (`if`/`then`: an eligible
assessment names needs and outcomes; a direct payment names its nominee and no provider). The business
rules live in the domain too (a broken one is 422 naming the field, a wrong state 409 with the request's
state and what it can do, `request_step_not_allowed`): those between fields are checked once the request
is found (an unknown request is 404 first), those on the request itself (a contribution above the budget,
a reassessment before the start) only the domain can say.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt,
                      WithJsonSchema)

from shared.bounds import Name, Reference, text
from shared.clock import PlausibleDate

from contracts.common import Mechanism, Nominee, ServiceType
from services.requests.domain.allocation import WorkerRole
from services.requests.domain.lifecycle import RequestStatus
from services.requests.domain.locality import LOCALITY_RULE, MAX_LOCALITY
from services.requests.domain.request import RequestedBy

PERSON_REF = r"^[A-Za-z0-9][A-Za-z0-9\-_]{2,39}$"
# A locality as sent: 1-40 letters, digits, spaces or hyphens, at least one letter or digit.
LOCALITY = r"^[A-Za-z0-9 -]*[A-Za-z0-9][A-Za-z0-9 -]*$"
# The most a weekly budget or contribution can be, in pence (£1m a week, as agreements takes a direct payment's).
MAX_WEEKLY_PENCE = 100_000_000
CARE_TYPES = [t.value for t in ServiceType if t is not ServiceType.DIRECT_PAYMENT]


def _locality(value: str) -> str:
    if len(value) > MAX_LOCALITY or not re.fullmatch(LOCALITY, value):
        raise ValueError(f"{LOCALITY_RULE}; got {len(value)} characters")
    return value


def _care_type(value: ServiceType) -> ServiceType:
    if value is ServiceType.DIRECT_PAYMENT:
        raise ValueError("direct_payment is a way of paying, not a kind of care: assess the care needed and "
                         "choose direct_payment as the mechanism")
    return value


# Text that says something (not only what str.strip() trims) and holds no NUL (shared.bounds).
Text = text(2000, 1, says_something=True)
Why = text(1000, 1, says_something=True)
WorkerId = text(200, 1, says_something=True)
Reason = Annotated[text(1000) | None, Field(default=None, description="Why, in the actor's words.")]
Address = text(500)
Contact = text(200)
Locality = Annotated[str, AfterValidator(_locality), WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": MAX_LOCALITY, "pattern": LOCALITY})]
CareType = Annotated[ServiceType, AfterValidator(_care_type), WithJsonSchema(
    {"type": "string", "enum": CARE_TYPES, "title": "CareType",
     "description": "A kind of care (direct_payment is a mechanism, not a kind of care)."})]
def _whole_number(value: Any) -> Any:
    """A JSON number with no fractional part (4500.0) is the integer JSON Schema says it is; anything else is
    left to StrictInt, which refuses a fraction, a string or a boolean."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


WeeklyPence = Annotated[StrictInt, Field(ge=0, le=MAX_WEEKLY_PENCE), BeforeValidator(_whole_number)]
# Path parameters: a request's id (`REQ-` and 12 hex digits) and a person's pseudonymous reference.
RequestId = Annotated[Reference, Path(description="The request's id (REQ-…).")]
PersonRefPath = Annotated[str, Path(max_length=40, pattern=PERSON_REF, description="The person's pseudonymous "
                                                                                    "reference.")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonalDetailsIn(_Body):
    name: Name
    address: Address | None = None
    contact: Contact | None = Field(default=None, description="Phone or email, as given.")


class RequestIn(_Body):
    person_ref: str = Field(max_length=40, pattern=PERSON_REF, description="Pseudonymous reference of the person.")
    requested_by: RequestedBy = Field(description="A person token submits as person or representative.")
    requested_start: PlausibleDate = Field(description="Within 20 years before and 10 years after today "
                                                       "(else 422 naming it).")
    needs: list[Text] = Field(default_factory=list, max_length=50)
    service_type: ServiceType | None = Field(default=None, description="The kind of care asked for, if known.")
    locality: Locality | None = Field(default=None, description=(
        "The council team or locality the person is cared for from: 1-40 letters, digits, spaces or hyphens, "
        "at least one letter or digit; outer spaces are trimmed (its cost centre is the council's rule in "
        "agreements)."))
    personal_details: PersonalDetailsIn | None = Field(
        default=None, description="Name, address, contact: kept in this service only.")


class AssessIn(_Body):
    """An eligible assessment records at least one need and one outcome."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "if": {"properties": {"eligible": {"const": True}}, "required": ["eligible"]},
        "then": {"properties": {"needs": {"minItems": 1}, "outcomes": {"minItems": 1}},
                 "required": ["needs", "outcomes"]}})

    eligible: StrictBool
    service_type: CareType
    needs: list[Text] = Field(default_factory=list, max_length=50, description="At least one when eligible.")
    outcomes: list[Text] = Field(default_factory=list, max_length=50, description="At least one when eligible.")
    reason: Reason = None


class BudgetIn(_Body):
    weekly_budget_pence: WeeklyPence
    weekly_contribution_pence: WeeklyPence = Field(default=0, description="No more than the budget.")
    reason: Reason = None


class ReassessIn(_Body):
    effective_from: PlausibleDate = Field(description="First day of the new budget: not before the request's "
                                                      "start, and within 20 years before and 10 years after today.")
    weekly_budget_pence: WeeklyPence
    weekly_contribution_pence: WeeklyPence = Field(description="No more than the budget.")
    reason: Reason = None


class MechanismIn(_Body):
    """A direct payment names its nominee and no preferred provider; the other mechanisms no nominee."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "if": {"properties": {"mechanism": {"const": Mechanism.DIRECT_PAYMENT.value}}, "required": ["mechanism"]},
        "then": {"properties": {"nominee": {"enum": [n.value for n in Nominee]},
                                "preferred_provider_id": {"type": "null"}}, "required": ["nominee"]},
        "else": {"properties": {"nominee": {"type": "null"}}}})

    mechanism: Mechanism
    nominee: Nominee | None = Field(default=None, description="Required for direct_payment, refused otherwise.")
    preferred_provider_id: Reference | None = Field(default=None, description="Not for direct_payment.")
    reason: Reason = None


class StepIn(_Body):
    reason: Reason = None


class ReasonIn(_Body):
    reason: Why = Field(description="Required: why.")


class AllocationIn(_Body):
    worker_id: WorkerId = Field(description="User id (token subject) of the worker: not the caller's own.")
    worker_role: WorkerRole
    reason: Reason = None


class AllocationEndIn(_Body):
    worker_role: WorkerRole
    reason: Why = Field(description="Required: why the allocation ends.")


class AllocationOut(BaseModel):
    allocation_id: str
    person_ref: str
    worker_id: str
    worker_role: WorkerRole
    allocated_by: str
    allocated_by_role: str
    reason: str | None
    allocated_at: datetime


class AllocationsOut(BaseModel):
    person_ref: str
    allocations: list[AllocationOut] = Field(description="Current allocations: at most one per worker role.")


class PersonalDetailsOut(BaseModel):
    name: str
    address: str | None
    contact: str | None


class AssessmentOut(BaseModel):
    eligible: bool
    service_type: ServiceType
    needs: list[str]
    outcomes: list[str]


class BudgetOut(BaseModel):
    weekly_budget_pence: int
    weekly_contribution_pence: int


class MechanismOut(BaseModel):
    mechanism: Mechanism
    nominee: Nominee | None
    preferred_provider_id: str | None


class ReassessmentOut(BaseModel):
    reassessment_id: str
    request_id: str
    person_ref: str
    effective_from: date
    weekly_budget_pence: int
    weekly_contribution_pence: int
    previous_weekly_budget_pence: int
    previous_weekly_contribution_pence: int
    made_by: str
    made_by_role: str
    made_at: datetime


class HistoryOut(BaseModel):
    action: str
    from_status: RequestStatus | None
    to_status: RequestStatus
    event_type: str
    details: dict[str, Any]
    actor_id: str
    actor_role: str
    reason: str | None
    recorded_at: datetime


class RequestSummary(BaseModel):
    request_id: str
    person_ref: str
    status: RequestStatus
    requested_by: RequestedBy
    requested_start: date
    submitted_on: date
    service_type: ServiceType | None
    locality: str | None = None


class RequestOut(RequestSummary):
    needs: list[str]
    personal_details: PersonalDetailsOut | None
    assessment: AssessmentOut | None
    budget: BudgetOut | None
    mechanism: MechanismOut | None
    service_start: date | None
    days_from_request_to_start: int | None
    next_steps: list[str] = Field(description="The steps the request's state allows now.")
    reassessments: list[ReassessmentOut] = Field(default_factory=list,
                                                 description="New budgets from a date, oldest first.")
    history: list[HistoryOut]
