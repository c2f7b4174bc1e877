"""Spend by service type, provider, person or cost centre and period: committed, delivered, invoiced, paid."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

import asyncpg

from services.reporting.domain_aggregates import UNASSIGNED
from services.reporting.domain_periods import PeriodKind, period_end, whole_periods
from services.reporting.read_commitments import rates_over_periods

GroupBy = Literal["service_type", "provider", "person", "cost_centre"]
MEASURES = ("committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")
# group_by -> (spend grain, column grouped by, commitment grain, commitment group expression)
_GROUPING = {
    "service_type": ("provider", "service_type", "provider", "service_type"),
    "provider": ("provider", "provider_id", "provider", "provider_id"),
    "person": ("person", "group_key", "person", "group_key"),
    # No event carries a cost centre for commitments: they are all 'unassigned'.
    "cost_centre": ("cost_centre", "group_key", "provider", f"'{UNASSIGNED}'::text"),
}


async def people_page(conn: asyncpg.Connection, *, after: str | None, limit: int, service_type: str | None,
                      provider_id: str | None) -> tuple[list[str], str | None]:
    """One page of people with any figure, in person_ref order; and the cursor of the next page."""
    args: list[Any] = [after or "", limit + 1]
    sql = "SELECT DISTINCT person_ref FROM person_dir WHERE person_ref > $1"
    for column, value in (("service_type", service_type), ("provider_id", provider_id)):
        if value is not None:
            args.append(value)
            sql += f" AND {column} = ${len(args)}"
    refs = [r["person_ref"] for r in await conn.fetch(sql + " ORDER BY person_ref LIMIT $2", *args)]
    return refs[:limit], (refs[limit - 1] if len(refs) > limit else None)


async def spend(conn: asyncpg.Connection, *, group_by: GroupBy, period: PeriodKind, first: date, last: date,
                service_type: str | None = None, provider_id: str | None = None, people: list[str] | None = None
                ) -> list[dict[str, Any]]:
    """One row per period and group with any figure, oldest period first. `people` limits group_by=person."""
    first, last = whole_periods(period, first, last)
    grain, column, commit_grain, commit_group = _GROUPING[group_by]
    args: list[Any] = [grain, period, first, last]
    sql = (f"SELECT period_start, {column} AS grp, sum(delivered_pence) AS d, sum(invoiced_pence) AS i,"
           " sum(paid_pence) AS p FROM spend WHERE grain = $1 AND period_kind = $2"
           " AND period_start BETWEEN $3 AND $4")
    for col, value in (("service_type", service_type), ("provider_id", provider_id)):
        if value is not None:
            args.append(value)
            sql += f" AND {col} = ${len(args)}"
    if people is not None:
        args.append(people)
        sql += f" AND group_key = ANY(${len(args)}::text[])"
    figures: dict[tuple[str, date], list[int]] = {}
    for r in await conn.fetch(sql + " GROUP BY 1, 2", *args):
        figures[(r["grp"], r["period_start"])] = [0, int(r["d"]), int(r["i"]), int(r["p"])]
    committed = await rates_over_periods(conn, grain=commit_grain, group=commit_group, kind=period, first=first,
                                         last=last, service_type=service_type, provider_id=provider_id,
                                         group_keys=people)
    for key, pence in committed.items():
        figures.setdefault(key, [0, 0, 0, 0])[0] = pence
    rows = []
    for (group, start), values in sorted(figures.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if any(values):
            rows.append({"period_start": start, "period_end": period_end(period, start), group_by: group or None,
                         **dict(zip(MEASURES, values))})
    return rows


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {m: sum(r[m] for r in rows) for m in MEASURES}
