"""HTTP entrypoints of the agreements service."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from shared.auth import Principal, require
from shared.http import not_found, transaction
from services.agreements import store

router = APIRouter(tags=["brokerage"])


class ReceivedRequestOut(BaseModel):
    request_id: str
    person_ref: str
    requested_start: date
    times_recorded: int


@router.get("/brokerage/requests/{request_id}", response_model=ReceivedRequestOut,
            summary="A request for service as received by brokerage")
async def get_received_request(
    request_id: str,
    request: Request,
    _principal: Annotated[Principal, Depends(require("brokerage_officer", "social_worker", "ops"))],
) -> ReceivedRequestOut:
    async with transaction(request) as conn:
        row = await store.get_received_request(conn, request_id)
    if row is None:
        raise not_found(f"request {request_id}")
    return ReceivedRequestOut(**{k: row[k] for k in ReceivedRequestOut.model_fields})
