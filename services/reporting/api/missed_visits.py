"""HTTP: recent missed visits, for the dashboard's alerts and for officers following them up."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shared.auth import Principal, require
from shared.bounds import Filter
from services.reporting.api.common import OFFICERS, json_response, reading, today
from services.reporting.api.models import MissedVisitsOut
from services.reporting.store.missed_visits import recent_missed

router = APIRouter(tags=["operations"])


@router.get("/visits/missed", response_model=MissedVisitsOut, response_model_by_alias=True,
            summary="Missed visits (safeguarding alerts) of the `days` days to `to` (today): by day, by provider, "
                    "newest first")
async def get_missed_visits(request: Request, _: Annotated[Principal, Depends(require(*OFFICERS))],
                            days: Annotated[int, Query(ge=1, le=92)] = 14, to: date | None = None,
                            provider_id: Filter | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50):
    last = to or today()
    async with reading(request) as conn:
        out = await recent_missed(conn, first=last - timedelta(days=days - 1), last=last, provider_id=provider_id,
                                  limit=limit)
    return json_response(out)
