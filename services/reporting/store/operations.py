"""Visit quality by provider, prompt payment, and open queries with their SLA state."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg

from services.reporting.domain.periods import PeriodKind, whole_periods
from services.reporting.domain.queries import sla_state

ONE_DECIMAL = Decimal("0.1")


def one_decimal(numerator: int, denominator: int) -> float | None:
    """numerator / denominator to one decimal place, half up (None when dividing by nothing)."""
    return float((Decimal(numerator) / denominator).quantize(ONE_DECIMAL, ROUND_HALF_UP)) if denominator else None


def percent(part: int, whole: int) -> float | None:
    return one_decimal(100 * part, whole)


async def visit_quality(conn: asyncpg.Connection, *, period: PeriodKind, first: date, last: date,
                        provider_id: str | None = None) -> list[dict[str, Any]]:
    """Per provider and period: attendances, missed, late, short, and their rates (missed against all planned).

    Rates in per cent to one decimal, half up (numeric round), as `percent` gives them.
    """
    first, last = whole_periods(period, first, last)
    end = "period_start + 6" if period == "week" else "(period_start + interval '1 month')::date - 1"
    rows = await conn.fetch(
        f"SELECT period_start, {end} AS period_end, provider_id, attendances, missed, late, short,"
        " round(100.0 * missed / nullif(attendances + missed, 0), 1)::float8 AS missed_pct,"
        " round(100.0 * late / nullif(attendances, 0), 1)::float8 AS late_pct,"
        " round(100.0 * short / nullif(attendances, 0), 1)::float8 AS short_pct"
        " FROM visit_quality WHERE period_kind = $1 AND period_start BETWEEN $2 AND $3"
        " AND ($4::text IS NULL OR provider_id = $4) AND (attendances <> 0 OR missed <> 0)"
        " ORDER BY period_start, provider_id", period, first, last, provider_id)
    return [dict(r) for r in rows]


_PROMPT = ("invoices_paid", "value_paid_pence", "days_to_pay_total", "within_30_days", "within_30_of_valid",
           "days_31_to_60", "over_60_days")


def prompt_figures(values: dict[str, int]) -> dict[str, Any]:
    n = values["invoices_paid"]
    return {"invoices_paid": n, "value_paid_pence": values["value_paid_pence"],
            "average_days_to_pay": one_decimal(values["days_to_pay_total"], n),
            "paid_within_30_days": values["within_30_days"],
            "paid_within_30_days_pct": percent(values["within_30_days"], n),
            "paid_within_30_days_of_valid_pct": percent(values["within_30_of_valid"], n),
            "paid_in_31_to_60_days_pct": percent(values["days_31_to_60"], n),
            "paid_after_60_days_pct": percent(values["over_60_days"], n)}


async def prompt_payment(conn: asyncpg.Connection, *, first: date, last: date, today: date,
                         provider_id: str | None = None) -> dict[str, Any]:
    """Days to pay by provider and month paid, overall, and approved invoices still awaiting payment."""
    first, last = whole_periods("month", first, last)
    rows = await conn.fetch(f"SELECT month, provider_id, {', '.join(_PROMPT)} FROM prompt_payment"
                            " WHERE month BETWEEN $1 AND $2 AND ($3::text IS NULL OR provider_id = $3)"
                            " ORDER BY month, provider_id", first, last, provider_id)
    overall: dict[str, int] = dict.fromkeys(_PROMPT, 0)
    by_provider: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_PROMPT, 0))
    months = []
    for r in rows:
        if not r["invoices_paid"]:
            continue
        for k in _PROMPT:
            overall[k] += r[k]
            by_provider[r["provider_id"]][k] += r[k]
        months.append({"month": r["month"], "provider_id": r["provider_id"], **prompt_figures(dict(r))})
    unpaid = await conn.fetch(
        "SELECT provider_id, sum(invoices) AS n, sum(value_pence) AS v,"
        " sum(invoices) FILTER (WHERE due_date < $1) AS overdue_n, sum(value_pence) FILTER (WHERE due_date < $1)"
        " AS overdue_v FROM unpaid_invoices WHERE ($2::text IS NULL OR provider_id = $2) GROUP BY provider_id"
        " HAVING sum(invoices) <> 0 ORDER BY provider_id", today, provider_id)
    return {
        "from": first, "to": last, "as_of": today, "overall": prompt_figures(overall),
        "by_provider": [{"provider_id": p, **prompt_figures(v)} for p, v in sorted(by_provider.items())],
        "by_provider_month": months,
        "awaiting_payment": [{"provider_id": r["provider_id"], "invoices": int(r["n"]), "value_pence": int(r["v"]),
                              "overdue_invoices": int(r["overdue_n"] or 0),
                              "overdue_value_pence": int(r["overdue_v"] or 0)}
                             for r in unpaid],
    }


async def open_queries(conn: asyncpg.Connection, *, today: date, first: date, last: date,
                       category: str | None = None, provider_id: str | None = None) -> dict[str, Any]:
    """Open queries by category, lifecycle state and SLA state; SLA breaches by month, category and SLA."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in await conn.fetch("SELECT category, state, sla_breached, next_due_on, queries FROM open_queries"
                              " WHERE queries <> 0 AND ($1::text IS NULL OR category = $1)"
                              " AND ($2::text IS NULL OR provider_id = $2)", category, provider_id):
        counts[(r["category"], r["state"], sla_state(r["sla_breached"], r["next_due_on"], today))] += r["queries"]
    first, last = whole_periods("month", first, last)
    breaches = await conn.fetch(
        "SELECT month, category, sla, sum(breaches) AS breaches FROM query_breaches WHERE month BETWEEN $1 AND $2"
        " AND breaches <> 0"
        " AND ($3::text IS NULL OR category = $3) AND ($4::text IS NULL OR provider_id = $4)"
        " GROUP BY month, category, sla ORDER BY month, category, sla", first, last, category, provider_id)
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (cat, _state, sla), n in counts.items():
        by_category[cat][sla] += n
        by_category[cat]["open"] += n
    return {
        "as_of": today, "open": sum(counts.values()),
        "by_category": [{"category": c, "open": v["open"], **{s: v.get(s, 0) for s in
                                                              ("on_track", "due_today", "overdue", "breached")}}
                        for c, v in sorted(by_category.items())],
        "rows": [{"category": c, "state": st, "sla_state": sla, "queries": n}
                 for (c, st, sla), n in sorted(counts.items()) if n],
        "breaches": [{"month": r["month"], "category": r["category"], "sla": r["sla"], "breaches": int(r["breaches"])}
                     for r in breaches],
        "breaches_from": first, "breaches_to": last,
    }
