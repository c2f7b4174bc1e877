"""Committed spend and budgets over a range, from the weekly-rate changes (no row per period is stored).

The rate in force on each day is the running sum of its changes; a period's figure is the rate
summed over the period's days / 7, half up (`domain.commitments.pence_over`, done here in SQL).
Steps before the range only contribute their running sum.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.reporting.domain.periods import PeriodKind

_INTERVAL = {"week": "1 week", "month": "1 month"}


def filters(args: list[Any], *, service_type: str | None = None, provider_id: str | None = None,
            group_keys: list[str] | None = None, mechanisms: list[str] | None = None) -> str:
    """SQL conditions for the filters given, their values appended to `args`."""
    out = []
    for column, value in (("service_type", service_type), ("provider_id", provider_id)):
        if value is not None:
            args.append(value)
            out.append(f" AND {column} = ${len(args)}")
    for column, values in (("group_key", group_keys), ("mechanism", mechanisms)):
        if values is not None:
            args.append(values)
            out.append(f" AND {column} = ANY(${len(args)}::text[])")
    return "".join(out)


def committed_sql(*, group: str, kind: PeriodKind, grain: str, first: str, last: str, where: str) -> str:
    """A query of (grp, start, committed_pence) for whole periods between the parameters `first` and `last`.

    `group` is the SQL expression grouped by ('service_type', 'provider_id', 'group_key', 'mechanism' or a
    literal);
    `grain`, `first` and `last` are parameter references such as '$5'.
    """
    step = _INTERVAL[kind]  # a literal from the table above, never user text
    # Each run of days at one rate is split into the periods it overlaps: most runs are short, so
    # this is cheaper than joining every run with every period of the range.
    return f"""
        SELECT grp, start,  -- t / 7 half up (away from zero), in integer arithmetic
               CASE WHEN t < 0 THEN -((7 - 2 * t) / 14) ELSE (2 * t + 7) / 14 END AS committed
        FROM (
            SELECT grp, p.start, sum(p.pence_days)::bigint AS t
            FROM (
                SELECT grp, day, (sum(delta) OVER w)::bigint AS rate,
                       coalesce(lead(day) OVER w, {last}::date + 1) AS until
                FROM (SELECT {group} AS grp, greatest(day, {first}::date) AS day,
                             sum(weekly_delta_pence)::bigint AS delta
                      FROM commitment_step WHERE grain = {grain} AND day <= {last}::date{where}
                      GROUP BY 1, 2) AS s
                WINDOW w AS (PARTITION BY grp ORDER BY day)
            ) AS r
            CROSS JOIN LATERAL (
                SELECT d::date AS start,
                       r.rate * (least(r.until, (d + interval '{step}')::date) - greatest(r.day, d::date)) AS pence_days
                FROM generate_series(date_trunc('{kind}', r.day::timestamp), (r.until - 1)::timestamp,
                                     interval '{step}') AS d
            ) AS p
            WHERE r.rate <> 0 AND r.until > r.day
            GROUP BY grp, p.start
        ) AS periods"""


async def rates_over_periods(conn: asyncpg.Connection, *, grain: str, group: str, kind: PeriodKind, first: date,
                             last: date, service_type: str | None = None, provider_id: str | None = None,
                             group_keys: list[str] | None = None) -> dict[tuple[str, date], int]:
    """(group, period_start) -> pence for whole periods from `first` to `last` (both period-aligned)."""
    args: list[Any] = [grain, first, last]
    where = filters(args, service_type=service_type, provider_id=provider_id, group_keys=group_keys)
    rows = await conn.fetch(committed_sql(group=group, kind=kind, grain="$1", first="$2", last="$3", where=where),
                            *args)
    return {(r["grp"], r["start"]): r["committed"] for r in rows if r["committed"]}
