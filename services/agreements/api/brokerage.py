"""HTTP: requests for service as brokerage received them from requests."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shared.auth import Principal, require
from shared.http import not_found, transaction
from services.agreements.api.fields import PathId
from services.agreements.api.models import ReceivedRequestOut
from services.agreements.store import received_requests as store_received_requests

router = APIRouter(tags=["brokerage"])


@router.get("/brokerage/requests/{request_id}", response_model=ReceivedRequestOut,
            summary="A request for service as received by brokerage")
async def get_received_request(
    request_id: PathId,
    request: Request,
    _principal: Annotated[Principal, Depends(require("brokerage_officer", "social_worker", "ops"))],
) -> ReceivedRequestOut:
    async with transaction(request) as conn:
        row = await store_received_requests.get_received_request(conn, request_id)
    if row is None:
        raise not_found(f"request {request_id}")
    return ReceivedRequestOut(**{k: row[k] for k in ReceivedRequestOut.model_fields})
