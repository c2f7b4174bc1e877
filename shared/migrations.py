"""The migration runner: plain SQL files, applied in order, recorded, before anything is consumed.

Each service owns one schema. The runtime's own files (shared/sql) are applied first, then the
service's `migrations/NNNN_*.sql`. Each file runs once, inside one transaction with the others,
under an advisory lock so two instances starting together do not race.

Who runs them (`carepay migrate`, or a service at start when CAREPAY_MIGRATE_ON_START) owns the
schema: it needs CREATE on the database only to create a schema that is not there yet, no superuser
(the migrations use no extension). Given a runtime role, every run grants that role what a service
needs at run time and nothing more (`RUNTIME_GRANTS`): the schema's use and its rows, not its shape.
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


# What a service's runtime role is granted on its own schema (the README's "Database roles").
RUNTIME_GRANTS = (
    'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
    'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
    'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA "{schema}" TO "{role}"',
)


async def grant_runtime(conn: asyncpg.Connection, schema: str, role: str) -> None:
    """Grant `role` the run-time use of `schema` (RUNTIME_GRANTS); ValueError naming the role if it is unknown."""
    if not await conn.fetchval("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", role):
        raise ValueError(f"CAREPAY_DATABASE_RUNTIME_ROLE: no role {role!r} in the database (create it first)")
    for grant in RUNTIME_GRANTS:
        await conn.execute(grant.format(schema=schema, role=role))


async def migrate(conn: asyncpg.Connection, schema: str, service_dir: Path, *,
                  runtime_role: str | None = None) -> list[str]:
    """Apply what is not yet applied to `schema` (and grant `runtime_role` its use); the versions applied now."""
    applied_now: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"carepay-migrate:{schema}")
        # CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema is there.
        if await conn.fetchval("SELECT to_regnamespace($1) IS NULL", f'"{schema}"'):
            await conn.execute(f'CREATE SCHEMA "{schema}"')
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
        if runtime_role:
            await grant_runtime(conn, schema, runtime_role)
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
