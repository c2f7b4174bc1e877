"""A person's budget against commitment and spend, and what their statement is made of."""
from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.reporting.domain.periods import PeriodKind, periods, whole_periods
from services.reporting.store import commitments as store_commitments, dims as store_dims
from services.reporting.store import person_charges as store_charges
from services.reporting.store.commitment_steps import rates_over_periods
from services.reporting.store.spend import MEASURES, spend


async def budget(conn: asyncpg.Connection, person_ref: str, *, period: PeriodKind, first: date, last: date
                 ) -> dict[str, Any]:
    """Budget, commitment and actual spend of one person, per period and in total."""
    first, last = whole_periods(period, first, last)
    latest = await store_commitments.latest_budget(conn, person_ref)
    snapshot = await store_commitments.person_commitment(conn, person_ref)
    budgets = await rates_over_periods(conn, grain="budget", group="group_key", kind=period, first=first, last=last,
                                       group_keys=[person_ref])
    rows = {r["period_start"]: r for r in await spend(conn, group_by="person", period=period, first=first, last=last,
                                                      people=[person_ref])}
    by_period = []
    for start, end in periods(period, first, last):
        row = rows.get(start, {})
        by_period.append({"period_start": start, "period_end": end,
                          "budget_pence": budgets.get((person_ref, start), 0),
                          **{m: row.get(m, 0) for m in MEASURES}})
    total = {m: sum(p[m] for p in by_period) for m in ("budget_pence", *MEASURES)}
    total["budget_left_after_commitment_pence"] = total["budget_pence"] - total["committed_pence"]
    total["budget_left_after_paid_pence"] = total["budget_pence"] - total["paid_pence"]
    return {
        "person_ref": person_ref, "period": period, "from": first, "to": last,
        "weekly_budget_pence": latest["weekly_budget_pence"] if latest else None,
        "weekly_contribution_pence": latest["weekly_contribution_pence"] if latest else None,
        "budget_agreed_on": latest["agreed_on"] if latest else None,
        "weekly_commitment_pence": snapshot["weekly_commitment_pence"] if snapshot else 0,
        "annual_commitment_pence": snapshot["annual_commitment_pence"] if snapshot else 0,
        "commitment_as_of": snapshot["as_of"] if snapshot else None,
        "exceeded": bool(snapshot and snapshot["exceeded"]),
        "exceeded_by_weekly_pence": snapshot["exceeded_by_weekly_pence"] if snapshot else 0,
        "commitment_lines": [{k: line[k] for k in ("agreement_id", "kind", "service_type", "provider_id",
                                                   "weekly_pence", "annual_pence")}
                             for line in (snapshot["lines"] if snapshot else [])],
        "totals": total,
        "periods": by_period,
    }


async def statement_figures(conn: asyncpg.Connection, person_ref: str, first: date, last: date) -> dict[str, Any]:
    """The person's budget and their care's figures over whole months, in total and by service and provider;
    their contribution charges and accepted ISF returns for the four-weekly periods overlapping those months."""
    first, last = whole_periods("month", first, last)
    figures = await budget(conn, person_ref, period="month", first=first, last=last)
    by_line: dict[tuple[str, str], dict[str, int]] = {}
    rows = await conn.fetch(
        "SELECT service_type, provider_id, sum(delivered_pence) AS d, sum(invoiced_pence) AS i,"
        " sum(paid_pence) AS p FROM spend WHERE grain = 'person' AND period_kind = 'month' AND group_key = $1"
        " AND period_start BETWEEN $2 AND $3 GROUP BY 1, 2", person_ref, first, last)
    for r in rows:
        by_line[(r["service_type"], r["provider_id"])] = {"committed_pence": 0, "delivered_pence": int(r["d"]),
                                                         "invoiced_pence": int(r["i"]), "paid_pence": int(r["p"])}
    committed = await rates_over_periods(conn, grain="person", group="service_type || '|' || provider_id",
                                         kind="month", first=first, last=last, group_keys=[person_ref])
    for (key, _start), pence in committed.items():
        service, provider = key.split("|", 1)
        line = by_line.setdefault((service, provider), dict.fromkeys(MEASURES, 0))
        line["committed_pence"] += pence
    charges = await store_charges.charges_overlapping(conn, person_ref, first, last)
    returns = await store_charges.returns_overlapping(conn, person_ref, first, last)
    names = await store_dims.provider_names(conn, [*(p for _, p in by_line), *(r.provider_id for r in returns)])
    lines = [{"service_type": s, "provider_id": p or None, "provider_name": names.get(p), **v}
             for (s, p), v in sorted(by_line.items()) if any(v.values())]
    return {**figures, "lines": lines, "contributions": charges, "isf_returns": returns, "provider_names": names}
