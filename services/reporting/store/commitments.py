"""SQL of the commitment history of agreements, the latest commitment of each person, and budgets."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import asyncpg

from services.reporting.domain.commitments import Rate, Window


async def windows(conn: asyncpg.Connection, ids: Iterable[str]) -> dict[str, Window]:
    rows = await conn.fetch("SELECT agreement_id, start_on, end_on, suspensions FROM commitment_window"
                            " WHERE agreement_id = ANY($1::text[]) ORDER BY agreement_id FOR UPDATE", sorted(set(ids)))
    return {r["agreement_id"]: Window(r["start_on"], r["end_on"], tuple(
        (date.fromisoformat(a), date.fromisoformat(b) if b else None) for a, b in r["suspensions"])) for r in rows}


async def save_windows(conn: asyncpg.Connection, changed: dict[str, Window]) -> None:
    ids = sorted(changed)
    if ids:
        await conn.execute(
            "INSERT INTO commitment_window (agreement_id, start_on, end_on, suspensions)"
            " SELECT * FROM unnest($1::text[], $2::date[], $3::date[], $4::text[]::jsonb[]) ON CONFLICT (agreement_id)"
            " DO UPDATE SET start_on = EXCLUDED.start_on, end_on = EXCLUDED.end_on, suspensions = EXCLUDED.suspensions",
            ids, [changed[i].start for i in ids], [changed[i].end for i in ids],
            # JSON text: asyncpg would read a list of lists as a two-dimensional array.
            [json.dumps([[a.isoformat(), b.isoformat() if b else None] for a, b in changed[i].suspensions])
             for i in ids])


async def rates(conn: asyncpg.Connection, ids: Iterable[str]) -> dict[str, dict[date, int]]:
    rows = await conn.fetch("SELECT agreement_id, as_of, weekly_pence FROM commitment_rate"
                            " WHERE agreement_id = ANY($1::text[])", sorted(set(ids)))
    out: dict[str, dict[date, int]] = defaultdict(dict)
    for r in rows:
        out[r["agreement_id"]][r["as_of"]] = r["weekly_pence"]
    return out


def as_rates(points: dict[date, int]) -> list[Rate]:
    return [Rate(d, p) for d, p in sorted(points.items())]


async def save_rates(conn: asyncpg.Connection, changed: dict[str, dict[date, int]]) -> None:
    """Each changed agreement's whole rate history (weekly pence from each day) replaces the one held."""
    ids = sorted(changed)
    if not ids:
        return
    await conn.execute("DELETE FROM commitment_rate WHERE agreement_id = ANY($1::text[])", ids)
    rows = [(a, d, p) for a in ids for d, p in sorted(changed[a].items())]
    if rows:
        await conn.execute(
            "INSERT INTO commitment_rate (agreement_id, as_of, weekly_pence)"
            " SELECT * FROM unnest($1::text[], $2::date[], $3::bigint[])", *[list(c) for c in zip(*rows)])


async def person_commitments(conn: asyncpg.Connection, people: Iterable[str]
                             ) -> dict[str, tuple[datetime, dict[str, Any]]]:
    rows = await conn.fetch("SELECT person_ref, occurred_at, snapshot FROM person_commitment"
                            " WHERE person_ref = ANY($1::text[]) ORDER BY person_ref FOR UPDATE", sorted(set(people)))
    return {r["person_ref"]: (r["occurred_at"], r["snapshot"]) for r in rows}


async def save_person_commitments(conn: asyncpg.Connection, changed: dict[str, tuple[datetime, dict]]) -> None:
    people = sorted(changed)
    if people:
        await conn.execute(
            "INSERT INTO person_commitment (person_ref, occurred_at, snapshot)"
            " SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[]) ON CONFLICT (person_ref)"
            " DO UPDATE SET occurred_at = EXCLUDED.occurred_at, snapshot = EXCLUDED.snapshot",
            people, [changed[p][0] for p in people], [changed[p][1] for p in people])


async def person_commitment(conn: asyncpg.Connection, person_ref: str) -> dict[str, Any] | None:
    return await conn.fetchval("SELECT snapshot FROM person_commitment WHERE person_ref = $1", person_ref)


async def budgets(conn: asyncpg.Connection, people: Iterable[str]
                  ) -> dict[str, list[tuple[datetime, date, date | None, int, int]]]:
    """Every budget agreed for each person: (agreed_at, agreed_on, effective_from, weekly budget, contribution)."""
    rows = await conn.fetch(
        "SELECT person_ref, agreed_at, agreed_on, effective_from, weekly_budget_pence, weekly_contribution_pence"
        " FROM budget_fact WHERE person_ref = ANY($1::text[]) ORDER BY person_ref, agreed_at FOR UPDATE",
        sorted(set(people)))
    out: dict[str, list] = defaultdict(list)
    for r in rows:
        out[r["person_ref"]].append((r["agreed_at"], r["agreed_on"], r["effective_from"], r["weekly_budget_pence"],
                                     r["weekly_contribution_pence"]))
    return out


async def save_budgets(conn: asyncpg.Connection,
                       rows: Iterable[tuple[str, datetime, date, date | None, int, int]]) -> None:
    rows = sorted({(r[0], r[1]): r for r in rows}.values(), key=lambda r: (r[0], r[1]))
    if rows:
        await conn.execute(
            "INSERT INTO budget_fact (person_ref, agreed_at, agreed_on, effective_from, weekly_budget_pence,"
            " weekly_contribution_pence)"
            " SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::date[], $4::date[], $5::bigint[], $6::bigint[])"
            " ON CONFLICT (person_ref, agreed_at) DO UPDATE SET effective_from = EXCLUDED.effective_from,"
            " weekly_budget_pence = EXCLUDED.weekly_budget_pence,"
            " weekly_contribution_pence = EXCLUDED.weekly_contribution_pence", *[list(c) for c in zip(*rows)])


async def latest_budget(conn: asyncpg.Connection, person_ref: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT agreed_on, weekly_budget_pence, weekly_contribution_pence FROM budget_fact"
                               " WHERE person_ref = $1 ORDER BY agreed_at DESC LIMIT 1", person_ref)
