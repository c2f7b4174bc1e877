"""`carepay demo run`: seed the demo council on the running stack, show where to look, follow the logs.

A month of care for about 500 people and 20 providers, driven through the services' public APIs,
the `ecm.visits` topic, file uploads and the CLI (see shared/demo/). Run it again on the same stack
whenever you like: each run has its own tag, so its references never clash with an earlier one's.
"""
from __future__ import annotations

import asyncio
import subprocess

import typer
from rich.console import Console

from shared.settings import SERVICE_PORTS
from shared.stack import LOG_DIR, Instance, wait_ready

app = typer.Typer(help="The demo council: a month of care, invoiced and paid.", no_args_is_help=True)
DASHBOARD = f"{Instance('reporting').url}/"


@app.command("run")
def run(people: int = typer.Option(500, help="People in the council."),
        providers: int = typer.Option(20, help="Providers (home care, care homes, supported living)."),
        seed: int = typer.Option(1, help="The same seed gives the same council and the same month."),
        tag: str | None = typer.Option(None, help="Prefix of this run's references (default: a new one)."),
        follow: bool = typer.Option(True, help="Follow the services' logs until Ctrl-C when done."),
        ) -> None:
    """Seed the demo council, print the dashboard URL and the month's spend, then follow the logs."""
    from shared.demo.progress import Bars
    from shared.demo.scenario import run_month
    from shared.demo.summary import print_files, print_summary

    console = Console()
    not_ready = wait_ready([Instance(s) for s in SERVICE_PORTS], timeout=120)
    if not_ready:
        console.print(f"[red]the stack is not ready[/red] ({not_ready}): start it with `make up`")
        raise typer.Exit(2)
    console.print(f"[bold]Demo council[/bold]: {people} people, {providers} providers, seed {seed}")
    with Bars(console) as bars:
        month = asyncio.run(run_month(seed=seed, people=people, providers=providers, tag=tag, progress=bars))
    console.print(f"Run tag [bold]{month.council.tag}[/bold]; the month of {month.council.month.first:%d %b %Y} to "
                  f"{month.council.month.last:%d %b %Y}. Payment files (copies under {month.folder}):")
    print_files(console, month)
    asyncio.run(print_summary(console, month))
    console.print(f"\nDashboard: [bold]{DASHBOARD}[/bold]")
    if follow:
        console.print("Logs follow (Ctrl-C stops following; 'make down' stops the stack).")
        logs = sorted(str(p) for p in LOG_DIR.glob("*.log"))
        try:
            subprocess.run(["tail", "-n", "5", "-F", *logs], check=False)
        except KeyboardInterrupt:
            pass
