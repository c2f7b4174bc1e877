"""HTTP entrypoints of the requests service."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from contracts.requests import ServiceRequested
from shared.auth import Principal, forbid_unless, require
from shared.http import cause_of, not_found, runtime_of, transaction
from services.requests import store
from services.requests.domain import RequestedBy, ServiceRequest

router = APIRouter(tags=["requests"])

PERSON_REF = r"^[A-Za-z0-9][A-Za-z0-9\-_]{2,39}$"


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_ref: str = Field(pattern=PERSON_REF, description="Pseudonymous reference of the person.")
    requested_by: RequestedBy
    requested_start: date
    needs: list[str] = Field(default_factory=list, max_length=50)


class RequestOut(BaseModel):
    request_id: str
    person_ref: str
    requested_by: RequestedBy
    requested_start: date
    needs: list[str]
    status: str


@router.post("/requests", status_code=status.HTTP_201_CREATED, response_model=RequestOut,
             summary="Submit a request for service")
async def submit_request(
    body: RequestIn,
    request: Request,
    principal: Annotated[Principal, Depends(require("person", "social_worker", "brokerage_officer"))],
) -> RequestOut:
    forbid_unless(principal.may_see_person(body.person_ref), "a person may only request for themselves")
    service_request = ServiceRequest.submit(body.person_ref, body.requested_by, body.requested_start,
                                            tuple(body.needs))
    outbox = runtime_of(request).outbox
    async with transaction(request) as conn:
        await store.insert_request(conn, service_request, principal.subject)
        await outbox.publish(conn, [ServiceRequested(
            request_id=service_request.request_id, person_ref=service_request.person_ref,
            requested_by=service_request.requested_by.value,
            requested_start=service_request.requested_start)], cause_of(request, principal))
    return RequestOut(**{**service_request.__dict__, "needs": list(service_request.needs)})


@router.get("/requests/{request_id}", response_model=RequestOut, summary="One request for service")
async def get_request(
    request_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(require("person", "social_worker", "brokerage_officer"))],
) -> RequestOut:
    async with transaction(request) as conn:
        row = await store.get_request(conn, request_id)
    if row is None or not principal.may_see_person(row["person_ref"]):
        raise not_found(f"request {request_id}")
    return RequestOut(**{k: row[k] for k in RequestOut.model_fields})
