"""The migration runner: plain SQL files, applied in order, recorded, before anything is consumed.

Each service owns one schema. The runtime's own files (shared/sql) are applied first, then the
service's `migrations/NNNN_*.sql`. Each file runs once, inside one transaction with the others,
under an advisory lock so two instances starting together do not race.
"""
from __future__ import annotations

from pathlib import Path

import asyncpg

RUNTIME_SQL = Path(__file__).resolve().parent / "sql"


def migration_files(service_dir: Path) -> list[tuple[str, Path]]:
    """(version, path) pairs in the order they apply."""
    runtime = [(f"runtime/{p.stem}", p) for p in sorted(RUNTIME_SQL.glob("*.sql"))]
    own = [(p.stem, p) for p in sorted((service_dir / "migrations").glob("*.sql"))]
    return runtime + own


async def migrate(conn: asyncpg.Connection, schema: str, service_dir: Path) -> list[str]:
    """Apply what is not yet applied to `schema`; return the versions applied now."""
    applied_now: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"carepay-migrate:{schema}")
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(f'SET LOCAL search_path TO "{schema}"')
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for version, path in migration_files(service_dir):
            if version in done:
                continue
            await conn.execute(path.read_text(encoding="utf-8"))
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            applied_now.append(version)
    return applied_now


async def pending(conn: asyncpg.Connection, schema: str, service_dir: Path) -> list[str]:
    """Versions not yet applied (empty when the schema is current)."""
    exists = await conn.fetchval(
        "SELECT to_regclass($1) IS NOT NULL", f'"{schema}".schema_migrations'
    )
    done = set()
    if exists:
        done = {r["version"] for r in await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')}
    return [v for v, _ in migration_files(service_dir) if v not in done]
