"""HTTP: spend by service type, provider, person, cost centre or mechanism, per week or month."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from shared.auth import Principal, require
from shared.bounds import Filter
from shared.http import ALSO_CSV
from shared.pagination import PAGED, Page, page_params
from services.reporting.api.common import (OFFICERS, Format, cost_centre_filter, csv_response, date_range, dict_rows,
                                          json_response, mechanism_filter, merged, page_of, reading)
from services.reporting.api.models import SpendOut
from services.reporting.api.params import CostCentres, From, Mechanisms, To
from services.reporting.domain.mechanisms import LABELS as MECHANISM_LABELS
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


def _key(group: str | None) -> str:
    """A group's key in the page order: its raw value, '' for none (no provider, several people)."""
    return group or ""


async def spend_page(conn, query: dict[str, Any], *, after: str | None, fetch: int) -> tuple[list[str], list[dict]]:
    """Up to `fetch` groups strictly after the group `after` (None: from the first), in group order, and
    the rows of the groups fetched (every period of each, oldest period first). For group_by=person the
    people are read a page at a time (person_dir); the other groupings are few, and read whole."""
    if query["group_by"] == "person":
        people = await people_page(conn, after=after, limit=fetch, service_type=query["service_type"],
                                   provider_id=query["provider_id"], mechanisms=query["mechanisms"])
        return people, (await spend(conn, **query, people=people) if people else [])
    rows = await spend(conn, **query)
    groups = sorted({_key(r["group"]) for r in rows if after is None or _key(r["group"]) > after})[:fetch]
    return groups, rows


@router.get("/spend", response_model=SpendOut, response_model_by_alias=True, responses=merged(ALSO_CSV, PAGED),
            summary="Committed, delivered, invoiced and paid, by a grouping and period",
            description="Reads pre-aggregated rows only. The range is widened to whole periods. In JSON the rows "
                        "come a page of groups at a time (`limit` groups: people, providers, service types, cost "
                        "centres or mechanisms, in that order of their ids, each with its rows for every period; "
                        "`after` and the `Link: <…>; rel=\"next\"` header as every list); `totals` are the page's. "
                        "`format=csv` downloads every row at once. `mechanism` keeps only the figures of those "
                        "mechanisms (repeat it, or separate values with commas).")
async def get_spend(request: Request, _: Annotated[Principal, Depends(require(*OFFICERS))],
                    page: Annotated[Page, Depends(page_params)],
                    group_by: GroupBy = "provider", period: PeriodKind = "month", from_: From = None, to: To = None,
                    service_type: Filter | None = None, provider_id: Filter | None = None,
                    mechanism: Mechanisms = None, cost_centre: CostCentres = None, format: Format = "json"):
    mechanisms = mechanism_filter(mechanism)
    cost_centres = cost_centre_filter(cost_centre, group_by)
    first, last = whole_periods(period, *date_range(period, from_, to))
    after = page.after_key((str,))
    query = dict(group_by=group_by, period=period, first=first, last=last, service_type=service_type,
                 provider_id=provider_id, mechanisms=mechanisms, cost_centres=cost_centres)
    async with reading(request) as conn:
        if format == "csv":
            return await _csv(conn, query)
        groups, rows = await spend_page(conn, query, after=after[0] if after else None, fetch=page.fetch)
        shown, headers = page_of(request, groups, page, key=lambda g: (g,))
        on_page = set(shown)
        rows = await labelled(conn, group_by, [r for r in rows if _key(r["group"]) in on_page])
    return json_response({"group_by": group_by, "period": period, "from": first, "to": last,
                          "service_type": service_type, "provider_id": provider_id, "mechanism": mechanisms,
                          "cost_centre": cost_centres, "rows": rows, "totals": totals(rows)}, headers)


async def _csv(conn, query: dict[str, Any]) -> Response:
    """Every row of the report, the people of group_by=person read CSV_PAGE at a time."""
    group_by = query["group_by"]
    rows: list[dict[str, Any]] = []
    if group_by == "person":
        after = None
        while True:
            people, more = await spend_page(conn, query, after=after, fetch=CSV_PAGE)
            rows += more
            if len(people) < CSV_PAGE:
                break
            after = people[-1]
    else:
        rows = await spend(conn, **query)
    rows = await labelled(conn, group_by, rows)
    columns = ["period_start", "period_end", "group", "label", *MEASURES]
    return csv_response(f"spend-by-{group_by}-{query['period']}.csv", [group_by if c == "group" else c
                                                                       for c in columns],
                        dict_rows(rows, columns))
