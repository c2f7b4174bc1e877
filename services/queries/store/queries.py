"""SQL of queries: the aggregate in one JSON column, plus the columns lists and the SLA job use.

jsonb goes in and out as Python objects (the codec of shared.db's pool)."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import asyncpg

from services.queries.domain.codec import query_from_json, query_to_json
from services.queries.domain.errors import IllegalTransition
from services.queries.domain.outcomes import moves_money
from services.queries.domain.query import Query, QueryStatus
from services.queries.domain.sla import next_breach_check

_COLUMNS = ("query_id", "subject_kind", "subject_id", "category", "status", "raised_at", "raised_by_role",
            "raised_by_user", "raised_by_provider", "raised_by_person", "team", "officer_id", "next_breach_check",
            "state")
_SAVE = (f"INSERT INTO queries ({', '.join(_COLUMNS)}) VALUES ({', '.join(f'${i + 1}' for i in range(len(_COLUMNS)))})"
         " ON CONFLICT (query_id) DO UPDATE SET "
         + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:]) + ", updated_at = now()")
# Lists read at most this many rows before the domain's filters (SLA state, age band) are applied.
LIST_CAP = 5000


def _row(q: Query) -> tuple:
    by = q.raised_by
    team = q.assignment.team if q.assignment else None
    officer = q.assignment.officer_id if q.assignment else None
    return (q.query_id, q.subject.kind.value, q.subject.subject_id, q.category.value, q.status.value, q.raised_at,
            by.role.value, by.user_id, by.provider_id, by.person_ref, team, officer, next_breach_check(q),
            query_to_json(q))


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


async def listed(conn: asyncpg.Connection, *, statuses: Collection[QueryStatus] | None = None,
                 teams: Collection[str] | None = None, categories: Collection[str] | None = None,
                 officer_id: str | None = None, raised_by_provider: str | None = None,
                 raised_by_person: str | None = None, oldest_first: bool = False) -> list[Query]:
    """Queries matching the filters SQL can apply, at most LIST_CAP, newest (or oldest) first; the
    domain's views order and filter on. Officers' work reads oldest first: past the cap, the oldest
    are the likeliest to be breached."""
    where, args = [], []

    def add(clause: str, value) -> None:
        args.append(value)
        where.append(clause.format(f"${len(args)}"))

    if statuses is not None:
        add("status = ANY({}::text[])", [s.value for s in statuses])
    if teams is not None:
        add("team = ANY({}::text[])", list(teams))
    if categories is not None:
        add("category = ANY({}::text[])", list(categories))
    if officer_id is not None:
        add("officer_id = {}", officer_id)
    if raised_by_provider is not None:
        add("raised_by_provider = {}", raised_by_provider)
    if raised_by_person is not None:
        add("raised_by_person = {}", raised_by_person)
    sql = "SELECT state FROM queries" + (f" WHERE {' AND '.join(where)}" if where else "")
    rows = await conn.fetch(f"{sql} ORDER BY raised_at {'ASC' if oldest_first else 'DESC'} LIMIT {LIST_CAP}", *args)
    return [query_from_json(r["state"]) for r in rows]


async def due_for_breach_check(conn: asyncpg.Connection, now: datetime, limit: int) -> list[Query]:
    """Queries with a deadline passed and not yet announced, locked (other writers wait, the job skips)."""
    rows = await conn.fetch("SELECT state FROM queries WHERE next_breach_check <= $1 ORDER BY next_breach_check"
                            " LIMIT $2 FOR UPDATE SKIP LOCKED", now, limit)
    return [query_from_json(r["state"]) for r in rows]


async def open_ages(conn: asyncpg.Connection) -> list[tuple[str, datetime]]:
    """(category, raised_at) of every query not yet closed: enough to count them by age band."""
    rows = await conn.fetch("SELECT category, raised_at FROM queries WHERE status <> 'closed'")
    return [(r["category"], r["raised_at"]) for r in rows]
