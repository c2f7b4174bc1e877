"""`carepay reporting rebuild|swap|drop`: rebuild the reporting read models from the topics.

See services/reporting/steps/rebuild.py for the design. `rebuild` never touches the live schema;
`swap` needs the reporting service stopped.
"""
from __future__ import annotations

import asyncio
import json

import asyncpg
import typer

from shared.settings import settings_for
from shared.stack import Instance, ready, recorded_pid

app = typer.Typer(help="Rebuild the reporting read models by replaying every topic.", no_args_is_help=True)
DEFAULT_SCHEMA = "reporting_rebuild"


def _schema(name: str) -> str:
    from services.reporting.steps.rebuild import check_schema

    try:
        return check_schema(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def rebuild(schema: str = typer.Option(DEFAULT_SCHEMA, help="Fresh schema to build into (dropped first)."),
            compare: bool = typer.Option(False, help="Count rows whose figures differ from the live schema's."),
            ) -> None:
    """Replay every business topic from the start into SCHEMA; the live read models are not touched."""
    from services.reporting.steps.rebuild import LIVE
    from services.reporting.steps.rebuild import rebuild as run
    from services.reporting.store.rebuild_compare import differences, totals

    schema = _schema(schema)

    async def go() -> dict:
        replayed = await run(schema)
        conn = await asyncpg.connect(settings_for(LIVE).database_url)
        try:
            out = {"schema": schema, "seconds": round(replayed.seconds, 1), "records": replayed.events,
                   "dead_letters": replayed.dead_letters, "totals": await totals(conn, schema)}
            if compare:
                # Exact only while nothing new arrives: the live service keeps consuming meanwhile.
                out["rows_differing_from_live"] = await differences(conn, LIVE, schema)
            return out
        finally:
            await conn.close()

    typer.echo(json.dumps(asyncio.run(go()), indent=2))


@app.command()
def swap(schema: str = typer.Option(DEFAULT_SCHEMA, help="The rebuilt schema to make live.")) -> None:
    """Catch SCHEMA up with the topics and make it the live `reporting` schema (service stopped)."""
    from services.reporting.steps.rebuild import swap as run

    schema = _schema(schema)
    service = Instance("reporting")
    if recorded_pid(service) or ready(service)[1] != "not answering":
        raise typer.BadParameter("stop the reporting service first: carepay stack stop reporting")
    caught_up, replaced = asyncio.run(run(schema))
    typer.echo(f"caught up {sum(caught_up.events.values())} record(s); the old read models are in schema "
               f"{replaced} (drop it with `carepay reporting drop --schema {replaced}`)")
    typer.echo("now start the service: carepay stack up reporting")


@app.command()
def drop(schema: str = typer.Option(..., help="A rebuild or replaced schema (never the live one).")) -> None:
    """Drop a schema made by `rebuild` or left by `swap`."""
    from services.reporting.steps.rebuild import drop as run

    asyncio.run(run(_schema(schema)))
    typer.echo(f"dropped {schema}")
