"""Lists of queries as officers, providers and people see them: filters and orders, no storage.

Every row is judged at one instant `now`: its SLA state (on_time, at_risk with at most one working
day left on the running clock, breached) and its age band in working days since it was raised.
These functions are the rule of record. The store lists in SQL (a page at a time), judging each row
from its stored deadlines against the instants `judging_at(now)` gives: the same answers, held
together by tests.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from contracts.queries import QueryCategory
from services.queries.domain.entitlement import may_view
from services.queries.domain.query import Party, Query, QueryStatus
from services.queries.domain.errors import utc
from services.queries.domain.sla import (AT_RISK_WORKING_DAYS, BAND_LIMITS, AgeBand, SlaState, age_band_of,
                                         age_in_working_days, end_of_london_day, running_clock, sla_state)
from shared.calendar import add_working_days, is_working_day
from shared.clock import london_date

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
    """Each order's key, unique by ending with query_id; newest_first is oldest_first reversed."""
    if order in (Order.OLDEST_FIRST, Order.NEWEST_FIRST):
        return lambda r: (r.query.raised_at, r.query.query_id)
    return lambda r: (_URGENCY[r.sla_state], r.next_due_at is None, r.next_due_at or r.query.raised_at,
                      r.query.raised_at, r.query.query_id)


def _ordered(rows: list[QueryRow], order: Order) -> list[QueryRow]:
    return sorted(rows, key=_sort_key(order), reverse=order == Order.NEWEST_FIRST)


def officer_view(queries: Iterable[Query], now: datetime, where: OfficerFilter = OfficerFilter(),
                 order: Order = Order.MOST_URGENT) -> list[QueryRow]:
    """Officers' work list: open work by default, most urgent first."""
    return _ordered([r for r in (row_of(q, now) for q in queries) if where.admits(r)], order)


def own_queries(party: Party, queries: Iterable[Query], now: datetime) -> list[QueryRow]:
    """A provider's or a person's own queries (all states), newest first."""
    return _ordered([row_of(q, now) for q in queries if may_view(party, q)], Order.NEWEST_FIRST)


def open_by_category_and_age_band(queries: Iterable[Query], now: datetime) -> Counter[tuple[QueryCategory, AgeBand]]:
    """How many queries are not yet closed, by category and age band (the metric's labels)."""
    return Counter((q.category, row_of(q, now).age_band) for q in queries if q.status in OPEN_WORK)


@dataclass(frozen=True)
class Judging:
    """The instants that decide, at `now`, a stored query's SLA state and age band from its deadlines and
    times alone (what `row_of` answers, without a working-day calendar where the rows are):

    - breached: a clock was met at or after its deadline, or is unmet and `now` is at or past it
      ((met_at or now) >= due, as `sla.breaches`);
    - at risk: not breached, and the running clock's deadline is before `at_risk_before` (its due day
      leaves at most AT_RISK_WORKING_DAYS working days after today, as `sla.sla_state`);
    - age band: a closed query by its working days from raised to closed; an open one raised at or after
      `raised_since[i][1]` is at most `raised_since[i][0]` working days old (BAND_LIMITS, ascending).
    """

    now: datetime
    at_risk_before: datetime
    raised_since: tuple[tuple[int, datetime], ...]


def _earliest_within(today: date, working_days: int) -> date:
    """The earliest London date from which at most `working_days` working days have passed by `today`
    (working days after it up to and including today: `working_days_between`)."""
    day, counted = today, 0
    while counted + is_working_day(day) <= working_days:
        counted += is_working_day(day)
        day -= timedelta(days=1)
    return day


def judging_at(now: datetime) -> Judging:
    today = london_date(utc(now, "now"))
    # At risk while the due day comes before the (AT_RISK + 1)th working day after today: its deadline (the
    # end of the due day) is before the end of that day.
    first_safe_day = add_working_days(today, AT_RISK_WORKING_DAYS + 1)
    since = tuple((limit, end_of_london_day(_earliest_within(today, limit) - timedelta(days=1)))
                  for limit, _band in BAND_LIMITS)
    return Judging(utc(now, "now"), end_of_london_day(first_safe_day), since)
