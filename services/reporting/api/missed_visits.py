"""HTTP: recent missed visits, for the dashboard's alerts and for officers following them up."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shared.auth import Principal, require
from shared.bounds import Filter
from shared.pagination import PAGED, Page, page_params
from services.reporting.api.common import OFFICERS, json_response, page_of, reading, today
from services.reporting.api.models import MissedVisitsOut
from services.reporting.api.params import ReportDate
from services.reporting.store.missed_visits import recent_missed

router = APIRouter(tags=["operations"])


@router.get("/visits/missed", response_model=MissedVisitsOut, response_model_by_alias=True, responses=PAGED,
            summary="Missed visits (safeguarding alerts) of the `days` days to `to` (today): by day, by provider, "
                    "and a page of them newest first")
async def get_missed_visits(request: Request, _: Annotated[Principal, Depends(require(*OFFICERS))],
                            page: Annotated[Page, Depends(page_params)],
                            days: Annotated[int, Query(ge=1, le=92)] = 14,
                            to: Annotated[ReportDate | None, Query(description="The last day (YYYY-MM-DD); left "
                                                                               "out, today.")] = None,
                            provider_id: Filter | None = None):
    """The counts are of every missed visit in the range; `recent` is one page of them (`limit`, `after`, and
    a `Link: <…>; rel="next"` header while there are more)."""
    last = to or today()
    after = page.after_key((date, str))
    async with reading(request) as conn:
        out = await recent_missed(conn, first=last - timedelta(days=days - 1), last=last, provider_id=provider_id,
                                  limit=page.fetch, after=after)  # type: ignore[arg-type]
    out["recent"], headers = page_of(request, out["recent"], page, key=lambda r: (r["local_date"], r["visit_key"]))
    return json_response(out, headers)
