"""Spend by service type, provider, person, cost centre or mechanism and period: committed, delivered, invoiced,
paid."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

import asyncpg

from services.reporting.domain.periods import PeriodKind, whole_periods
from services.reporting.store.commitment_steps import committed_sql, filters

GroupBy = Literal["service_type", "provider", "person", "cost_centre", "mechanism"]
MEASURES = ("committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")
# group_by -> (spend grain, column grouped by, commitment grain, commitment group expression)
_GROUPING = {
    "service_type": ("provider", "service_type", "provider", "service_type"),
    "provider": ("provider", "provider_id", "provider", "provider_id"),
    "person": ("person", "group_key", "person", "group_key"),
    "cost_centre": ("cost_centre", "group_key", "cost_centre", "group_key"),
    "mechanism": ("provider", "mechanism", "provider", "mechanism"),
}
_PERIOD_END = {"week": "a.start + 6", "month": "(a.start + interval '1 month')::date - 1"}


async def people_page(conn: asyncpg.Connection, *, after: str | None, limit: int, service_type: str | None,
                      provider_id: str | None, mechanisms: list[str] | None = None) -> list[str]:
    """Up to `limit` people with any figure, in person_ref order, strictly after `after` (None: from the
    first, '' included: the invoices covering several people)."""
    args: list[Any] = [limit]
    sql = "SELECT DISTINCT person_ref FROM person_dir WHERE TRUE"
    if after is not None:
        args.append(after)
        sql += f" AND person_ref > ${len(args)}"
    sql += filters(args, service_type=service_type, provider_id=provider_id, mechanisms=mechanisms)
    return [r["person_ref"] for r in await conn.fetch(sql + " ORDER BY person_ref LIMIT $1", *args)]


async def spend(conn: asyncpg.Connection, *, group_by: GroupBy, period: PeriodKind, first: date, last: date,
                service_type: str | None = None, provider_id: str | None = None, people: list[str] | None = None,
                mechanisms: list[str] | None = None, cost_centres: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per period and group with any figure, oldest period first, as
    {period_start, period_end, group, committed_pence, delivered_pence, invoiced_pence, paid_pence}.
    `people` limits group_by=person to those people; `mechanisms` every grouping to those mechanisms;
    `cost_centres` every grouping but person to those cost centres (read from the cost centre grain,
    which carries service type, provider and mechanism too)."""
    first, last = whole_periods(period, first, last)
    grain, column, commit_grain, commit_group = _GROUPING[group_by]
    if cost_centres is not None:
        if group_by == "person":
            raise ValueError("spend by person cannot be limited to cost centres")
        grain = commit_grain = "cost_centre"
    args: list[Any] = [grain, period, first, last, commit_grain]
    where = filters(args, service_type=service_type, provider_id=provider_id,
                    group_keys=people if cost_centres is None else cost_centres, mechanisms=mechanisms)
    # One statement: the actuals of the range and the commitments integrated over its periods, joined.
    rows = await conn.fetch(f"""
        WITH actual AS (
            SELECT period_start AS start, {column} AS grp, sum(delivered_pence)::bigint AS delivered,
                   sum(invoiced_pence)::bigint AS invoiced, sum(paid_pence)::bigint AS paid
            FROM spend WHERE grain = $1 AND period_kind = $2 AND period_start BETWEEN $3 AND $4{where}
            GROUP BY 1, 2
        ), committed AS ({committed_sql(group=commit_group, kind=period, grain="$5", first="$3", last="$4",
                                        where=where)})
        SELECT a.start AS period_start, {_PERIOD_END[period]} AS period_end, a.grp AS "group",
               a.committed AS committed_pence, a.delivered AS delivered_pence, a.invoiced AS invoiced_pence,
               a.paid AS paid_pence
        FROM (SELECT coalesce(x.start, c.start) AS start, coalesce(x.grp, c.grp) AS grp,
                     coalesce(c.committed, 0) AS committed, coalesce(x.delivered, 0) AS delivered,
                     coalesce(x.invoiced, 0) AS invoiced, coalesce(x.paid, 0) AS paid
              FROM actual x FULL JOIN committed c ON x.grp = c.grp AND x.start = c.start) AS a
        WHERE a.committed <> 0 OR a.delivered <> 0 OR a.invoiced <> 0 OR a.paid <> 0
        ORDER BY a.start, a.grp""", *args)
    return [dict(r) for r in rows]


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {m: sum(r[m] for r in rows) for m in MEASURES}
