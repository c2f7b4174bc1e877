"""Lists of queries as officers, providers and people see them: filters and orders, no storage.

Every row is judged at one instant `now`: its SLA state (on_time, at_risk with at most one working
day left on the running clock, breached) and its age band in working days since it was raised.
The store may pre-filter in SQL by team and status; these functions are the rule of record.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.queries import QueryCategory
from services.queries.domain.entitlement import may_view
from services.queries.domain.query import Party, Query, QueryStatus
from services.queries.domain.sla import (AgeBand, SlaState, age_band_of, age_in_working_days, running_clock,
                                         sla_state)

OPEN_WORK = frozenset(QueryStatus) - {QueryStatus.CLOSED}


@dataclass(frozen=True)
class QueryRow:
    query: Query
    sla_state: SlaState
    age_working_days: int
    age_band: AgeBand
    next_due_at: datetime | None  # deadline of the running clock; None once resolved


def row_of(query: Query, now: datetime) -> QueryRow:
    age = age_in_working_days(query, now)
    running = running_clock(query)
    return QueryRow(query, sla_state(query, now), age, age_band_of(age), running[1] if running else None)


@dataclass(frozen=True)
class OfficerFilter:
    """Each field left as None does not filter. `unassigned` lists only queries with no team or officer."""

    teams: frozenset[str] | None = None
    officer_id: str | None = None
    statuses: frozenset[QueryStatus] | None = OPEN_WORK
    sla_states: frozenset[SlaState] | None = None
    age_bands: frozenset[AgeBand] | None = None
    categories: frozenset[QueryCategory] | None = None
    unassigned: bool = False

    def admits(self, row: QueryRow) -> bool:
        q, assignment = row.query, row.query.assignment
        team = assignment.team if assignment else None
        officer = assignment.officer_id if assignment else None
        return ((self.teams is None or team in self.teams)
                and (self.officer_id is None or officer == self.officer_id)
                and (not self.unassigned or assignment is None)
                and (self.statuses is None or q.status in self.statuses)
                and (self.sla_states is None or row.sla_state in self.sla_states)
                and (self.age_bands is None or row.age_band in self.age_bands)
                and (self.categories is None or q.category in self.categories))


class Order(StrEnum):
    MOST_URGENT = "most_urgent"  # breached, then at risk, then on time; soonest deadline, then oldest
    OLDEST_FIRST = "oldest_first"
    NEWEST_FIRST = "newest_first"


_URGENCY = {SlaState.BREACHED: 0, SlaState.AT_RISK: 1, SlaState.ON_TIME: 2}


def _sort_key(order: Order):
    if order == Order.OLDEST_FIRST:
        return lambda r: (r.query.raised_at, r.query.query_id)
    if order == Order.NEWEST_FIRST:
        return lambda r: (-r.query.raised_at.timestamp(), r.query.query_id)
    return lambda r: (_URGENCY[r.sla_state], r.next_due_at is None, r.next_due_at or r.query.raised_at,
                      r.query.raised_at, r.query.query_id)


def officer_view(queries: Iterable[Query], now: datetime, where: OfficerFilter = OfficerFilter(),
                 order: Order = Order.MOST_URGENT) -> list[QueryRow]:
    """Officers' work list: open work by default, most urgent first."""
    rows = [r for r in (row_of(q, now) for q in queries) if where.admits(r)]
    return sorted(rows, key=_sort_key(order))


def own_queries(party: Party, queries: Iterable[Query], now: datetime) -> list[QueryRow]:
    """A provider's or a person's own queries (all states), newest first."""
    rows = [row_of(q, now) for q in queries if may_view(party, q)]
    return sorted(rows, key=_sort_key(Order.NEWEST_FIRST))


def open_by_category_and_age_band(queries: Iterable[Query], now: datetime) -> Counter[tuple[QueryCategory, AgeBand]]:
    """How many queries are not yet closed, by category and age band (the metric's labels)."""
    return Counter((q.category, row_of(q, now).age_band) for q in queries if q.status in OPEN_WORK)
