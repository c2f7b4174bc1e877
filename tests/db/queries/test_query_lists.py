"""The query lists in SQL (store.listing) judge and order queries as the domain's views do, a page at a time:
every query once, in order, across pages, at one instant; queries stored before migration 0003 are given
their listing columns before a list reads them. Against Postgres alone (a fresh copy of the queries schema)."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from services.queries import store
from services.queries.domain.lifecycle import acknowledge, assign, close, reopen, resolve, start_investigation
from services.queries.domain.outcomes import NoChange
from services.queries.domain.query import Assignment, Query
from services.queries.domain.sla import AgeBand, SlaState, acknowledge_due_at, resolve_due_at
from services.queries.domain.views import OfficerFilter, Order, judging_at, officer_view, row_of
from services.queries.store.listing import ListFilter
from shared.testing import DatabaseOnly
from tests.unit.queries.query_builders import OFFICER, PERSON, london, raised

pytestmark = pytest.mark.db
START = london(2026, 3, 20, 9)  # across Easter (3 and 6 April) and the early May bank holiday (4 May)
EVERYTHING = ListFilter()


@pytest.fixture
async def db():
    async with DatabaseOnly("queries") as runtime:
        yield runtime


def _worked(rng: random.Random, n: int) -> Query:
    """A query raised some time after START and taken some way through its life at random paces: some
    acknowledged or resolved late, some closed, some reopened."""
    at = START + timedelta(hours=rng.randrange(0, 40 * 24))
    query = replace(raised(at=at), query_id=f"QRY-{n:04d}")
    if rng.random() < 0.3:
        query = assign(query, OFFICER, at, Assignment(team=rng.choice(("east", "west")))).query
    steps = [lambda q, t: acknowledge(q, OFFICER, t), lambda q, t: start_investigation(q, OFFICER, t),
             lambda q, t: resolve(q, OFFICER, t, NoChange(), "Answered."), lambda q, t: close(q, PERSON, t),
             lambda q, t: reopen(q, PERSON, t, "Not right."), lambda q, t: start_investigation(q, OFFICER, t)]
    for step in steps[:rng.randrange(0, len(steps) + 1)]:
        at += timedelta(hours=rng.choice((1, 5, 30, 80, 200, 400)))
        query = step(query, at).query
    return query


async def _stored(db, queries: list[Query]) -> None:
    async with db.pool.acquire() as conn, conn.transaction():
        for query in queries:
            await store.queries.save(conn, query)


async def _listed(db, where: ListFilter, order: Order, now: datetime, limit: int = 500) -> list[str]:
    """Every query_id of the list at `now`, read `limit` at a time, each page after the last key of the one before."""
    found, after = [], None
    async with db.pool.acquire() as conn:
        while True:
            rows = await store.listing.page(conn, where, order, judging_at(now), after, limit + 1)
            found += [r.query.query_id for r in rows[:limit]]
            if len(rows) <= limit:
                return found
            after = rows[limit - 1].key


def _instants(queries: list[Query]) -> list[datetime]:
    """Ordinary times, and the edges: each deadline, a microsecond before it, and London midnights."""
    ordinary = [START + timedelta(hours=53 * i) for i in range(28)]
    edges = [t for q in queries[:8] for due in (acknowledge_due_at(q), resolve_due_at(q))
             for t in (due, due - timedelta(microseconds=1))]
    return ordinary + edges + [london(2026, 4, 2, 23, 59), london(2026, 4, 7, 0, 0), london(2026, 5, 5, 0, 0)]


async def test_sql_judges_every_query_as_the_domain_does_at_every_instant(db):
    """SLA state (breached, at risk, on time) and age band from the stored deadlines, without a working-day
    calendar in SQL, agree with `row_of` for queries in every state across weekends and bank holidays; and
    the filters by them keep exactly those rows."""
    rng = random.Random(18)
    queries = [_worked(rng, n) for n in range(40)]
    await _stored(db, queries)
    async with db.pool.acquire() as conn:
        for now in _instants(queries):
            expected = {q.query_id: (row.sla_state, row.age_band) for q in queries for row in [row_of(q, now)]}
            rows = await store.listing.page(conn, EVERYTHING, Order.OLDEST_FIRST, judging_at(now), None, 500)
            assert {r.query.query_id: (r.sla_state, r.age_band) for r in rows} == expected, now
    now = START + timedelta(days=12)
    for state in SlaState:
        got = await _listed(db, ListFilter(sla_states={state}), Order.OLDEST_FIRST, now)
        assert set(got) == {q.query_id for q in queries if row_of(q, now).sla_state == state}, state
    for band in AgeBand:
        got = await _listed(db, ListFilter(age_bands={band, AgeBand.OVER_20}), Order.OLDEST_FIRST, now)
        assert set(got) == {q.query_id for q in queries if row_of(q, now).age_band in (band, AgeBand.OVER_20)}


@pytest.mark.parametrize("order", list(Order))
async def test_pages_hold_every_query_once_in_the_domains_order(db, order):
    rng = random.Random(7)
    queries = [_worked(rng, n) for n in range(45)]
    queries += [replace(queries[0], query_id="QRY-9000"), replace(queries[1], query_id="QRY-9001")]  # ties
    await _stored(db, queries)
    for now in (START + timedelta(days=9, hours=3), START + timedelta(days=30), START + timedelta(days=70)):
        domain = [r.query.query_id for r in officer_view(queries, now, OfficerFilter(statuses=None), order)]
        assert await _listed(db, EVERYTHING, order, now, limit=7) == domain
        assert await _listed(db, EVERYTHING, order, now, limit=1) == domain
        east = [r.query.query_id for r in officer_view(queries, now, OfficerFilter(statuses=None,
                                                                                    teams=frozenset({"east"})), order)]
        assert await _listed(db, ListFilter(teams=["east"]), order, now, limit=4) == east


async def test_queries_stored_before_the_listing_columns_are_given_them_before_a_list(db):
    rng = random.Random(3)
    queries = [_worked(rng, n) for n in range(7)]
    await _stored(db, queries)
    await db.pool.execute("UPDATE queries SET acknowledge_due_at = NULL, resolve_due_at = NULL,"
                          " acknowledged_at = NULL, resolved_at = NULL, closed_age_working_days = NULL")
    async with db.pool.acquire() as conn, conn.transaction():
        assert await store.queries.fill_listing_columns(conn) == 7
        assert await store.queries.fill_listing_columns(conn) == 0
    now = START + timedelta(days=20)
    expected = [r.query.query_id for r in officer_view(queries, now, OfficerFilter(statuses=None),
                                                       Order.MOST_URGENT)]
    assert await _listed(db, EVERYTHING, Order.MOST_URGENT, now, limit=3) == expected
    breached = {q.query_id for q in queries if row_of(q, now).sla_state == SlaState.BREACHED}
    assert set(await _listed(db, ListFilter(sla_states={SlaState.BREACHED}), Order.OLDEST_FIRST, now)) == breached
