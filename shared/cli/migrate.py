"""`carepay migrate [--service NAME]...`: apply the services' migrations, each to its own schema, and exit.

Run it as the migrator role (a DATABASE_URL whose role owns the schemas) before the services start:
Kubernetes runs it as a Job. With CAREPAY_DATABASE_RUNTIME_ROLE it grants the runtime role its use of
each schema. In production the services do not migrate (CAREPAY_MIGRATE_ON_START false) and wait for it.
Exits 1 naming the service and the failure (never the URL's password) when a migration fails.
"""
from __future__ import annotations

import asyncio

import asyncpg
import typer

from shared.migrations import migrate as apply_migrations
from shared.production import database_problems, refusal
from shared.redaction import describe
from shared.settings import REPO_ROOT, SERVICE_PORTS, Settings, environment


def chosen(names: list[str] | None) -> list[str]:
    """`names` (every service when none), each checked to be a service."""
    picked = names or list(SERVICE_PORTS)
    unknown = [n for n in picked if n not in SERVICE_PORTS]
    if unknown:
        raise typer.BadParameter(f"unknown service(s) {', '.join(unknown)}; one of {', '.join(SERVICE_PORTS)}")
    return picked


async def apply(names: list[str]) -> list[str]:
    """Migrate each service's schema in turn; a line per service saying what was applied."""
    lines = []
    every = {name: Settings.read(service=name, port=0) for name in names}  # afresh: a process may migrate twice
    try:
        conn = await asyncpg.connect(every[names[0]].database_url)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:  # ssl.SSLError is an OSError
        raise SystemExit(f"cannot reach the database of DATABASE_URL: {describe(exc)}") from None
    try:
        for name, settings in every.items():
            try:
                applied = await apply_migrations(conn, settings.schema, REPO_ROOT / "services" / name,
                                                 runtime_role=settings.runtime_role)
            except (asyncpg.PostgresError, ValueError) as exc:
                raise SystemExit(f"{name}: migration failed: {describe(exc)}") from None
            granted = f"; runtime role {settings.runtime_role} granted" if settings.runtime_role else ""
            lines.append(f"{name}: {'applied ' + ', '.join(applied) if applied else 'up to date'}{granted}")
    finally:
        await conn.close()
    return lines


def migrate(service: list[str] = typer.Option(None, "--service", help="Only this service (repeatable).")) -> None:
    """Apply every service's migrations (or those of --service) to its own schema, then exit."""
    names = chosen(service)
    if environment() == "production" and (problems := database_problems()):
        raise SystemExit(refusal("carepay migrate", problems))
    for line in asyncio.run(apply(names)):
        typer.echo(line)
