"""SQL of queries: the aggregate in one JSON column, plus the columns lists (store.listing) and the SLA job use.

jsonb goes in and out as Python objects (the codec of shared.db's pool)."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from services.queries.domain.codec import query_from_json, query_to_json
from services.queries.domain.errors import IllegalTransition
from services.queries.domain.outcomes import moves_money
from services.queries.domain.query import Query
from services.queries.domain.sla import acknowledge_due_at, next_breach_check, resolve_due_at, working_days_taken

# What the lists judge a query by (migration 0003), written with every save.
LISTING_COLUMNS = ("acknowledge_due_at", "resolve_due_at", "acknowledged_at", "resolved_at", "closed_age_working_days")
_COLUMNS = ("query_id", "subject_kind", "subject_id", "category", "status", "raised_at", "raised_by_role",
            "raised_by_user", "raised_by_provider", "raised_by_person", "team", "officer_id", "next_breach_check",
            "state", *LISTING_COLUMNS)
_SAVE = (f"INSERT INTO queries ({', '.join(_COLUMNS)}) VALUES ({', '.join(f'${i + 1}' for i in range(len(_COLUMNS)))})"
         " ON CONFLICT (query_id) DO UPDATE SET "
         + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:]) + ", updated_at = now()")
_FILL = (f"UPDATE queries SET {', '.join(f'{c} = ${i + 2}' for i, c in enumerate(LISTING_COLUMNS))}"
         " WHERE query_id = $1")
FILL_BATCH = 500


def listing_columns(q: Query) -> tuple:
    """What the lists judge a query by (store.listing): its deadlines, when each clock was met, and once
    closed its age in working days."""
    closed_age = working_days_taken(q.raised_at, q.closed_at) if q.closed_at else None
    return acknowledge_due_at(q), resolve_due_at(q), q.acknowledged_at, q.resolved_at, closed_age


def _row(q: Query) -> tuple:
    by = q.raised_by
    team = q.assignment.team if q.assignment else None
    officer = q.assignment.officer_id if q.assignment else None
    return (q.query_id, q.subject.kind.value, q.subject.subject_id, q.category.value, q.status.value, q.raised_at,
            by.role.value, by.user_id, by.provider_id, by.person_ref, team, officer, next_breach_check(q),
            query_to_json(q), *listing_columns(q))


async def save(conn: asyncpg.Connection, query: Query) -> None:
    """Insert or replace the query (the caller holds it locked, see `load(for_update=True)`), and record
    a money-moving effect it asks for: a second one for the query (not a retry) is IllegalTransition
    (409) naming the first, from the database's unique index (migration 0002)."""
    await conn.execute(_SAVE, *_row(query))
    effect = query.effect
    if effect is None or not moves_money(effect.kind):
        return
    try:
        async with conn.transaction():  # a savepoint: the refusal leaves the caller's transaction usable
            await conn.execute(
                "INSERT INTO query_money_effects (effect_id, query_id, kind, retry_of, requested_at)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (effect_id) DO NOTHING",
                effect.effect_id, query.query_id, effect.kind.value, effect.retry_of, effect.requested_at)
    except asyncpg.UniqueViolationError:
        first = await conn.fetchrow("SELECT effect_id, kind FROM query_money_effects WHERE query_id = $1"
                                    " AND retry_of IS NULL", query.query_id)
        raise IllegalTransition(query.query_id, query.status.value, f"given {effect.kind.value} effect"
                                f" {effect.effect_id}", [], f"it already moved money once: its {first['kind']}"
                                f" effect {first['effect_id']} was requested; a query moves money at most once")


async def load(conn: asyncpg.Connection, query_id: str, *, for_update: bool = False) -> Query | None:
    state = await conn.fetchval(f"SELECT state FROM queries WHERE query_id = $1{' FOR UPDATE' if for_update else ''}",
                                query_id)
    return query_from_json(state) if state is not None else None


async def fill_listing_columns(conn: asyncpg.Connection) -> int:
    """Give queries stored before migration 0003 their listing columns (deadlines are working-day sums the
    service computes, not SQL); how many were filled. The lists call it first: once every query has them,
    it finds none by an empty index. Rows are locked in query_id order, so concurrent callers wait for one
    another (a row another caller filled meanwhile is no longer selected) and never deadlock."""
    filled = 0
    while True:
        rows = await conn.fetch("SELECT state FROM queries WHERE acknowledge_due_at IS NULL ORDER BY query_id"
                                f" LIMIT {FILL_BATCH} FOR UPDATE")
        if not rows:
            return filled
        queries = [query_from_json(r["state"]) for r in rows]
        await conn.executemany(_FILL, [(q.query_id, *listing_columns(q)) for q in queries])
        filled += len(queries)


async def due_for_breach_check(conn: asyncpg.Connection, now: datetime, limit: int) -> list[Query]:
    """Queries with a deadline passed and not yet announced, locked (other writers wait, the job skips)."""
    rows = await conn.fetch("SELECT state FROM queries WHERE next_breach_check <= $1 ORDER BY next_breach_check"
                            " LIMIT $2 FOR UPDATE SKIP LOCKED", now, limit)
    return [query_from_json(r["state"]) for r in rows]


async def open_ages(conn: asyncpg.Connection) -> list[tuple[str, datetime]]:
    """(category, raised_at) of every query not yet closed: enough to count them by age band."""
    rows = await conn.fetch("SELECT category, raised_at FROM queries WHERE status <> 'closed'")
    return [(r["category"], r["raised_at"]) for r in rows]
