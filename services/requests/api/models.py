"""What the requests API accepts and returns, and how domain errors become HTTP answers.

Bodies check shapes and types only; the business rules (budget, nominee, ...) live in the
domain, whose errors come back as 422 in FastAPI's own format (`loc` names the field) or 409.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from shared.clock import PlausibleDate

from contracts.common import Mechanism, Nominee, ServiceType
from services.requests.domain.allocation import NotPermitted, WorkerRole
from services.requests.domain.errors import IllegalTransition, InvalidInput
from services.requests.domain.lifecycle import RequestStatus
from services.requests.domain.request import RequestedBy

PERSON_REF = r"^[A-Za-z0-9][A-Za-z0-9\-_]{2,39}$"
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Reason = Annotated[str | None, Field(default=None, max_length=1000, description="Why, in the actor's words.")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonalDetailsIn(_Body):
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    contact: str | None = Field(default=None, max_length=200, description="Phone or email, as given.")


class RequestIn(_Body):
    person_ref: str = Field(max_length=40, pattern=PERSON_REF, description="Pseudonymous reference of the person.")
    requested_by: RequestedBy
    requested_start: PlausibleDate
    needs: list[Text] = Field(default_factory=list, max_length=50)
    service_type: ServiceType | None = Field(default=None, description="The kind of care asked for, if known.")
    locality: str | None = Field(default=None, max_length=200, description=(
        "The council team or locality the person is cared for from: 1-40 letters, digits, spaces or hyphens "
        "(its cost centre is the council's rule in agreements)."))
    personal_details: PersonalDetailsIn | None = Field(
        default=None, description="Name, address, contact: kept in this service only.")


class AssessIn(_Body):
    eligible: StrictBool
    service_type: ServiceType
    needs: list[Text] = Field(default_factory=list, max_length=50)
    outcomes: list[Text] = Field(default_factory=list, max_length=50)
    reason: Reason = None


class BudgetIn(_Body):
    weekly_budget_pence: StrictInt
    weekly_contribution_pence: StrictInt = 0
    reason: Reason = None


class ReassessIn(_Body):
    effective_from: PlausibleDate = Field(description="First day of the new budget; not before the request's start.")
    weekly_budget_pence: StrictInt
    weekly_contribution_pence: StrictInt = Field(description="No more than the budget.")
    reason: Reason = None


class MechanismIn(_Body):
    mechanism: Mechanism
    nominee: Nominee | None = None
    preferred_provider_id: str | None = Field(default=None, min_length=1, max_length=64)
    reason: Reason = None


class StepIn(_Body):
    reason: Reason = None


class ReasonIn(_Body):
    reason: str = Field(max_length=1000, description="Required: why.")


class AllocationIn(_Body):
    worker_id: str = Field(min_length=1, max_length=200, description="User id (token subject) of the worker.")
    worker_role: WorkerRole
    reason: Reason = None


class AllocationEndIn(_Body):
    worker_role: WorkerRole
    reason: str = Field(min_length=1, max_length=1000, description="Required: why the allocation ends.")


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


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn a broken rule into 422 (naming the field, as FastAPI does), a wrong state into 409 and a
    refusal of who the caller is (an allocation they may not make or reach) into 403."""
    try:
        yield
    except NotPermitted as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"not permitted: {exc}") from exc
    except InvalidInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
            {"type": "value_error", "loc": ["body", exc.field], "msg": exc.rule}]) from exc
    except IllegalTransition as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
