"""SQL that applies a batch's deltas to the aggregate tables: one UPSERT per table."""
from __future__ import annotations

import asyncpg

from services.reporting.domain.aggregates import AGGREGATES, Deltas

_DATE_COLUMNS = {"period_start", "day", "month", "due_date", "next_due_on"}


def _upsert_sql(table: str) -> str:
    keys, values = AGGREGATES[table]
    columns = keys + values
    arrays = ", ".join(f"${i + 1}::{'date' if c in _DATE_COLUMNS else 'text' if c in keys else 'bigint'}[]"
                       for i, c in enumerate(columns))
    updates = ", ".join(f"{v} = {table}.{v} + EXCLUDED.{v}" for v in values)
    return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
            f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}")


_SQL = {table: _upsert_sql(table) for table in AGGREGATES}


async def apply(conn: asyncpg.Connection, deltas: Deltas) -> int:
    """Add every non-zero delta to its row (creating it); return the number of rows touched.

    Tables in a fixed order and rows sorted by key: two batches touching the same rows take their
    locks in the same order, so they wait for each other instead of deadlocking.
    """
    touched = 0
    people: set[tuple[str, str, str, str]] = set()  # (person_ref, service_type, provider_id, mechanism)
    for table in AGGREGATES:
        changes = deltas.changes(table)
        if not changes:
            continue
        width = len(changes[0][0]) + len(changes[0][1])
        columns: list[list] = [[] for _ in range(width)]
        for key, values in changes:
            for i, v in enumerate(key + values):
                columns[i].append(v)
        await conn.execute(_SQL[table], *columns)
        touched += len(changes)
        if table == "spend":
            people.update((k[3], k[4], k[5], k[6]) for k, _ in changes if k[0] == "person")
        elif table == "commitment_step":
            people.update((k[1], k[2], k[3], k[4]) for k, _ in changes if k[0] == "person")
    if people:
        await conn.execute(
            "INSERT INTO person_dir (person_ref, service_type, provider_id, mechanism)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING",
            *[list(column) for column in zip(*sorted(people))])
    return touched
