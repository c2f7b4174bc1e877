"""Committed spend and budgets over a range, from the weekly-rate changes (no row per period is stored).

The rate in force on each day is the running sum of its changes; a period's figure is the rate
summed over the period's days / 7. Steps before the range only contribute their running sum.
"""
from __future__ import annotations

from datetime import date

import asyncpg

from services.reporting.domain_commitments import pence_over
from services.reporting.domain_periods import PeriodKind

_INTERVAL = {"week": "1 week", "month": "1 month"}


async def rates_over_periods(conn: asyncpg.Connection, *, grain: str, group: str, kind: PeriodKind, first: date,
                             last: date, service_type: str | None = None, provider_id: str | None = None,
                             group_keys: list[str] | None = None) -> dict[tuple[str, date], int]:
    """(group, period_start) -> pence for whole periods from `first` to `last` (both period-aligned).

    `group` is the SQL expression grouped by: 'service_type', 'provider_id', 'group_key' or a literal.
    """
    filters, args = [], [grain, first, last]
    step = _INTERVAL[kind]  # a literal from the table above, never user text
    for column, value in (("service_type", service_type), ("provider_id", provider_id)):
        if value is not None:
            args.append(value)
            filters.append(f" AND {column} = ${len(args)}")
    if group_keys is not None:
        args.append(group_keys)
        filters.append(f" AND group_key = ANY(${len(args)}::text[])")
    rows = await conn.fetch(f"""
        WITH s AS (
            SELECT {group} AS grp, greatest(day, $2::date) AS day, sum(weekly_delta_pence) AS delta
            FROM commitment_step WHERE grain = $1 AND day <= $3::date{''.join(filters)}
            GROUP BY 1, 2
        ), r AS (
            SELECT grp, day, sum(delta) OVER w AS rate, coalesce(lead(day) OVER w, $3::date + 1) AS until
            FROM s WINDOW w AS (PARTITION BY grp ORDER BY day)
        ), p AS (
            SELECT d::date AS start, (d + interval '{step}')::date - 1 AS stop
            FROM generate_series($2::date::timestamp, $3::date::timestamp, interval '{step}') AS d
        )
        SELECT grp, p.start, sum(r.rate * (least(r.until, p.stop + 1) - greatest(r.day, p.start))) AS pence_days
        FROM r JOIN p ON r.day <= p.stop AND r.until > p.start
        WHERE r.rate <> 0
        GROUP BY grp, p.start""", *args)
    return {(r["grp"], r["start"]): pence_over(int(r["pence_days"])) for r in rows if r["pence_days"]}
