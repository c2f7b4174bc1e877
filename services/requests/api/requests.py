"""HTTP entrypoints of the requests service: submitting and reading requests.

Access, the same on every route of this service:
- a person token acts only on its own person_ref. A request id that belongs to someone else
  answers 404, exactly as one that does not exist (a person learns nothing about other people's
  requests); naming another person's person_ref in a body or query answers 403, because the
  caller named it themselves;
- a social worker or brokerage officer reaches only the people currently allocated to them in
  that role (api/allocations.py): another person's request answers 403, and lists leave it out.
  Acting on a person (submitting a request for them) grants no access: a social worker submits
  only for a person already allocated to them;
- a role not listed on a route gets 403 naming the roles that may.

`GET /requests` is a cursor-paged list (shared.pagination): newest first on (created_at, request_id),
`limit` and `after`, and a `Link: <…>; rel="next"` header while there are more.
"""
from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response, status

from shared.auth import Principal, forbid_unless, require
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.requests.api.models import (AssessmentOut, BudgetOut, HistoryOut, MechanismOut, PERSON_REF,
                                          PersonalDetailsOut, ReassessmentOut, RequestId, RequestIn, RequestOut,
                                          RequestSummary)
from services.requests.domain.access import PERMITTED_ROLES, READERS, check_submitter
from services.requests.domain.lifecycle import Action, RequestStatus, allowed_actions
from services.requests.domain.request import ServiceRequest
from services.requests.steps import submission
from services.requests.steps.allocation import reaches
from services.requests.store import history, reassessments, requests as store

router = APIRouter(tags=["requests"])


@router.post("/requests", status_code=status.HTTP_201_CREATED, response_model=RequestOut,
             summary="Submit a request for service")
async def submit_request(
    body: RequestIn,
    request: Request,
    principal: Annotated[Principal, Depends(require(*PERMITTED_ROLES[Action.SUBMIT]))],
) -> RequestOut:
    """A person (for themselves, as `person` or `representative`) or a social worker (for a person
    allocated to them) asks for care. Publishes ServiceRequested; the personal details stay in this
    service. Submitting grants no access to the person: that comes from an allocation only."""
    if principal.role == "person":
        forbid_unless(principal.person_ref == body.person_ref, "a person may only request for themselves")
    check_submitter(principal.role, body.requested_by)
    submitted = ServiceRequest.submit(body.person_ref, body.requested_by, body.requested_start,
                                      tuple(body.needs), body.service_type, body.locality)
    details = store.PersonalDetails(**body.personal_details.model_dump()) if body.personal_details else None
    async with transaction(request) as conn:
        forbid_unless(await reaches(conn, principal, body.person_ref),
                      f"person {body.person_ref} is not allocated to you: a team manager allocates people")
        await submission.submit_request(conn, runtime_of(request).outbox, cause_of(request, principal), submitted,
                                        details, principal.subject, principal.role)
        return await read_request(conn, submitted.request_id)


@router.get("/requests/{request_id}", response_model=RequestOut, summary="One request, with its history")
async def get_request(
    request_id: RequestId,
    request: Request,
    principal: Annotated[Principal, Depends(require(*READERS))],
) -> RequestOut:
    """The request, its personal details and every step taken. A person sees only their own (404
    otherwise); a social worker or brokerage officer only an allocated person's (403 otherwise)."""
    async with transaction(request) as conn:
        found = await read_request(conn, request_id)
        if found is None or (principal.role == "person" and principal.person_ref != found.person_ref):
            raise not_found(f"request {request_id}")
        forbid_unless(await reaches(conn, principal, found.person_ref),
                      f"request {request_id} is for a person not allocated to you")
    return found


@router.get("/requests", response_model=list[RequestSummary], responses=PAGED,
            summary="Requests by person and/or status, newest first")
async def list_requests(
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(require(*READERS))],
    page: Annotated[Page, Depends(page_params)],
    person_ref: Annotated[str | None, Query(max_length=40, pattern=PERSON_REF)] = None,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
) -> list[RequestSummary]:
    """Newest first, without personal details, a page at a time (`limit`, `after`, Link rel="next"). A person
    token lists its own requests (person_ref defaults to theirs; another person's is 403); a social worker or
    brokerage officer lists only the people allocated to them (others are left out), by person and/or status
    (work queues)."""
    allocated_to = None
    if principal.role == "person":
        person_ref = person_ref or principal.person_ref
        forbid_unless(principal.person_ref == person_ref, "a person may only list their own requests")
    else:
        allocated_to = (principal.subject, principal.role)
    after = page.after_key(store.LIST_KEY_TYPES)
    async with transaction(request) as conn:
        rows = await store.list_requests(conn, person_ref, status_.value if status_ else None, page.fetch,
                                         after=after, allocated_to=allocated_to)
    found = paged(request, response, rows, page, key=lambda r: (r["created_at"], r["request_id"]))
    return [summary_of(store.request_from_row(r)) for r in found]


def summary_of(r: ServiceRequest) -> RequestSummary:
    return RequestSummary(request_id=r.request_id, person_ref=r.person_ref, status=r.status,
                          requested_by=r.requested_by, requested_start=r.requested_start,
                          submitted_on=r.submitted_on, service_type=r.service_type, locality=r.locality)


async def read_request(conn: asyncpg.Connection, request_id: str) -> RequestOut | None:
    """Everything this service holds about one request (the caller checks who may see it)."""
    row = await store.get_request(conn, request_id)
    if row is None:
        return None
    r = store.request_from_row(row)
    details = await store.get_personal_details(conn, request_id)
    steps = await history.get_history(conn, request_id)
    a, b, c = r.assessment, r.budget, r.choice
    return RequestOut(
        **summary_of(r).model_dump(), needs=list(r.needs),
        personal_details=PersonalDetailsOut(**details.__dict__) if details else None,
        assessment=AssessmentOut(eligible=a.eligible, service_type=a.service_type, needs=list(a.needs),
                                 outcomes=list(a.outcomes)) if a else None,
        budget=BudgetOut(weekly_budget_pence=b.weekly_budget_pence,
                         weekly_contribution_pence=b.weekly_contribution_pence) if b else None,
        mechanism=MechanismOut(mechanism=c.mechanism, nominee=c.nominee,
                               preferred_provider_id=c.preferred_provider_id) if c else None,
        service_start=r.service_start, days_from_request_to_start=r.days_to_start,
        next_steps=[step.value for step in allowed_actions(r.status)],
        reassessments=[reassessment_out(x) for x in await reassessments.for_request(conn, request_id)],
        history=[HistoryOut(**{k: h[k] for k in HistoryOut.model_fields}) for h in steps],
    )


def reassessment_out(row: asyncpg.Record) -> ReassessmentOut:
    return ReassessmentOut(**{k: row[k] for k in ReassessmentOut.model_fields})
