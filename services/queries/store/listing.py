"""SQL of the query lists: officers' work lists and a raiser's own, one page at a time.

Each row is judged in SQL at one instant (`domain.views.Judging`: the same SLA state and age band as
`row_of`, from the deadlines `store.queries.save` keeps beside the state), filtered, and read in one of
three orders by keyset, strictly after the key of the previous page's last row:

- most_urgent: breached, then at risk, then on time (`urgency` 0, 1, 2); a running clock before none
  (`no_deadline`); the soonest deadline (or, with none running, the earliest raised: `due_or_raised`);
  then the earliest raised; then query_id;
- oldest_first / newest_first: (raised_at, query_id) ascending / descending.

Every key ends with the unique query_id, so no row is ever on two pages or on none (at one instant).
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.queries.domain.codec import query_from_json
from services.queries.domain.query import Query, QueryStatus
from services.queries.domain.sla import BAND_LIMITS, AgeBand, SlaState
from services.queries.domain.views import Judging, Order
from shared.pagination import Keyset

KEYSETS: dict[Order, Keyset] = {
    Order.MOST_URGENT: Keyset(("urgency", "no_deadline", "due_or_raised", "raised_at", "query_id")),
    Order.OLDEST_FIRST: Keyset(("raised_at", "query_id")),
    Order.NEWEST_FIRST: Keyset(("raised_at", "query_id"), descending=True),
}
# The types of each order's key, to read a cursor back (shared.pagination.decode_cursor).
KEY_TYPES: dict[Order, tuple[type, ...]] = {
    Order.MOST_URGENT: (int, int, datetime, datetime, str),
    Order.OLDEST_FIRST: (datetime, str),
    Order.NEWEST_FIRST: (datetime, str),
}
_BANDS = dict(BAND_LIMITS)


@dataclass(frozen=True)
class ListFilter:
    """Which queries a list holds; None (or False) does not filter. A raiser's side is kept to what it raised
    by `raised_by_provider` / `raised_by_person` (`entitlement.may_view`)."""

    statuses: Collection[QueryStatus] | None = None
    teams: Collection[str] | None = None
    officer_id: str | None = None
    unassigned: bool = False
    categories: Collection[str] | None = None
    subject_kind: str | None = None
    subject_id: str | None = None
    raised_by_provider: str | None = None
    raised_by_person: str | None = None
    sla_states: Collection[SlaState] | None = None
    age_bands: Collection[AgeBand] | None = None


@dataclass(frozen=True)
class Listed:
    """A query on a page as SQL judged it, and its key in the list's order (what the next page starts after)."""

    query: Query
    sla_state: SlaState
    age_band: AgeBand
    key: tuple[Any, ...]


class _Params:
    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _age_band_sql(judging: Judging, p: _Params) -> str:
    """The age band of a row: a closed query's by its stored age, an open one's by when it was raised."""
    closed = " ".join(f"WHEN q.closed_age_working_days <= {limit} THEN '{band.value}'" for limit, band in BAND_LIMITS)
    opened = " ".join(f"WHEN q.raised_at >= {p(at)} THEN '{_BANDS[limit].value}'"
                      for limit, at in judging.raised_since)
    return (f"CASE WHEN q.closed_age_working_days IS NOT NULL THEN (CASE {closed} ELSE '{AgeBand.OVER_20.value}' END)"
            f" {opened} ELSE '{AgeBand.OVER_20.value}' END")


def _judged_sql(judging: Judging, where: ListFilter, p: _Params) -> str:
    """Every query the filters SQL applies to its columns let through, judged at `judging.now`."""
    now, at_risk = p(judging.now), p(judging.at_risk_before)
    state = (f"CASE WHEN c.breached THEN '{SlaState.BREACHED.value}' WHEN c.running_due < {at_risk}"
             f" THEN '{SlaState.AT_RISK.value}' ELSE '{SlaState.ON_TIME.value}' END")
    urgency = f"CASE WHEN c.breached THEN 0 WHEN c.running_due < {at_risk} THEN 1 ELSE 2 END"
    conditions = _column_conditions(where, p)
    return (
        f"SELECT q.query_id, q.raised_at, q.state, {state} AS sla_state, {urgency} AS urgency,"
        f" (c.running_due IS NULL)::int AS no_deadline, COALESCE(c.running_due, q.raised_at) AS due_or_raised,"
        f" {_age_band_sql(judging, p)} AS age_band"
        " FROM queries q CROSS JOIN LATERAL ("
        "  SELECT CASE WHEN q.acknowledged_at IS NULL THEN q.acknowledge_due_at"
        "              WHEN q.resolved_at IS NULL THEN q.resolve_due_at END AS running_due,"
        f"        (COALESCE(q.acknowledged_at, {now}) >= q.acknowledge_due_at"
        f"         OR COALESCE(q.resolved_at, {now}) >= q.resolve_due_at) AS breached) c"
        f" WHERE {' AND '.join(conditions) or 'TRUE'}")


def _column_conditions(where: ListFilter, p: _Params) -> list[str]:
    found = []
    if where.statuses is not None:
        found.append(f"q.status = ANY({p([s.value for s in where.statuses])}::text[])")
    if where.teams is not None:
        found.append(f"q.team = ANY({p(list(where.teams))}::text[])")
    if where.officer_id is not None:
        found.append(f"q.officer_id = {p(where.officer_id)}")
    if where.unassigned:
        found.append("q.team IS NULL AND q.officer_id IS NULL")
    if where.categories is not None:
        found.append(f"q.category = ANY({p(list(where.categories))}::text[])")
    if where.subject_kind is not None:
        found.append(f"q.subject_kind = {p(where.subject_kind)}")
    if where.subject_id is not None:
        found.append(f"q.subject_id = {p(where.subject_id)}")
    if where.raised_by_provider is not None:
        found.append(f"q.raised_by_provider = {p(where.raised_by_provider)}")
    if where.raised_by_person is not None:
        found.append(f"q.raised_by_person = {p(where.raised_by_person)}")
    return found


async def page(conn: asyncpg.Connection, where: ListFilter, order: Order, judging: Judging,
               after: Sequence[Any] | None, fetch: int) -> list[Listed]:
    """At most `fetch` queries of the list, in `order`, strictly after the key `after` (None: from the start),
    judged at `judging.now`. Rows must have their listing columns (`store.queries.fill_listing_columns`)."""
    p = _Params()
    judged = _judged_sql(judging, where, p)
    conditions = []
    if where.sla_states is not None:
        conditions.append(f"sla_state = ANY({p([s.value for s in where.sla_states])}::text[])")
    if where.age_bands is not None:
        conditions.append(f"age_band = ANY({p([b.value for b in where.age_bands])}::text[])")
    keyset = KEYSETS[order]
    condition, args = keyset.after(after, first_param=len(p.values) + 1)
    p.values.extend(args)
    conditions.append(condition)
    sql = (f"SELECT * FROM ({judged}) judged WHERE {' AND '.join(conditions)}"
           f" ORDER BY {keyset.order_by} LIMIT {p(fetch)}")
    rows = await conn.fetch(sql, *p.values)
    return [Listed(query_from_json(r["state"]), SlaState(r["sla_state"]), AgeBand(r["age_band"]),
                   tuple(r[c] for c in keyset.columns)) for r in rows]
