"""HTTP: spend by service type, provider, person, cost centre or mechanism, per week or month."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from shared.auth import Principal, require
from shared.bounds import MAX_FILTER_VALUES, Filter
from shared.http import ALSO_CSV
from services.reporting.api.common import (OFFICERS, Format, cost_centre_filter, csv_response, date_range, dict_rows,
                                          json_response, mechanism_filter, reading)
from services.reporting.api.models import SpendOut
from services.reporting.domain.mechanisms import LABELS as MECHANISM_LABELS, MECHANISMS
from services.reporting.domain.periods import PeriodKind, whole_periods
from services.reporting.domain.statement import SERVICE_NAMES
from services.reporting.store import dims as store_dims
from services.reporting.store.spend import MEASURES, GroupBy, people_page, spend, totals

router = APIRouter(tags=["spend"])
CSV_PAGE = 2000


def _label(group_by: str, group: str | None, names: dict[str, str]) -> str:
    if group_by == "provider":
        return names.get(group, group) if group else "Direct payments and personal assistants (no provider)"
    if group_by == "service_type":
        return SERVICE_NAMES.get(group or "", group or "")
    if group_by == "person":
        return group or "Invoices covering several people"
    if group_by == "mechanism":
        return MECHANISM_LABELS.get(group or "", group or "")
    return group or ""


async def labelled(conn, group_by: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with a readable label for their group (providers by name); '' groups become null."""
    names = await store_dims.provider_names(conn, {r["group"] for r in rows if r["group"]}) \
        if group_by == "provider" else {}
    for row in rows:
        row["label"] = _label(group_by, row["group"], names)
        row["group"] = row["group"] or None
    return rows


@router.get("/spend", response_model=SpendOut, response_model_by_alias=True, responses=ALSO_CSV,
            summary="Committed, delivered, invoiced and paid, by a grouping and period",
            description="Reads pre-aggregated rows only. The range is widened to whole periods. group_by=person is "
                        "paged by person (`limit`, `after`); `format=csv` exports every page. `mechanism` keeps "
                        "only the figures of those mechanisms (repeat it, or separate values with commas).")
async def get_spend(request: Request, _: Annotated[Principal, Depends(require(*OFFICERS))],
                    group_by: GroupBy = "provider", period: PeriodKind = "month",
                    from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
                    service_type: Filter | None = None, provider_id: Filter | None = None,
                    mechanism: Annotated[list[Filter] | None, Query(
                        max_length=MAX_FILTER_VALUES, description=f"One or more of {', '.join(MECHANISMS)}.")] = None,
                    cost_centre: Annotated[list[Filter] | None, Query(
                        max_length=MAX_FILTER_VALUES, description="One or more cost centres ('unassigned': "
                                                                  "none known); not with group_by=person.")] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100, after: Filter | None = None,
                    format: Format = "json"):
    mechanisms = mechanism_filter(mechanism)
    cost_centres = cost_centre_filter(cost_centre, group_by)
    first, last = whole_periods(period, *date_range(period, from_, to))
    query = dict(group_by=group_by, period=period, first=first, last=last, service_type=service_type,
                 provider_id=provider_id, mechanisms=mechanisms, cost_centres=cost_centres)
    async with reading(request) as conn:
        if format == "csv":
            return await _csv(conn, query, after)
        next_after = None
        if group_by == "person":
            people, next_after = await people_page(conn, after=after, limit=limit, service_type=service_type,
                                                   provider_id=provider_id, mechanisms=mechanisms)
            rows = await spend(conn, **query, people=people) if people else []
        else:
            rows = await spend(conn, **query)
        rows = await labelled(conn, group_by, rows)
    return json_response({"group_by": group_by, "period": period, "from": first, "to": last,
                          "service_type": service_type, "provider_id": provider_id, "mechanism": mechanisms,
                          "cost_centre": cost_centres,
                          "rows": rows, "totals": totals(rows), "next_after": next_after})


async def _csv(conn, query: dict[str, Any], after: str | None) -> Response:
    group_by = query["group_by"]
    rows: list[dict[str, Any]] = []
    if group_by == "person":
        while True:
            people, after = await people_page(conn, after=after, limit=CSV_PAGE, service_type=query["service_type"],
                                              provider_id=query["provider_id"], mechanisms=query["mechanisms"])
            if people:
                rows += await spend(conn, **query, people=people)
            if after is None:
                break
    else:
        rows = await spend(conn, **query)
    rows = await labelled(conn, group_by, rows)
    columns = ["period_start", "period_end", "group", "label", *MEASURES]
    return csv_response(f"spend-by-{group_by}-{query['period']}.csv", [group_by if c == "group" else c
                                                                       for c in columns],
                        dict_rows(rows, columns))
