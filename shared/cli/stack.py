"""`carepay stack ...`: the local stack's topics, migrations and service processes."""
from __future__ import annotations

import asyncio

import typer

from shared import stack as proc
from shared.cli.migrate import apply, chosen as _services

app = typer.Typer(help="Start, stop and inspect the local stack's services.", no_args_is_help=True,
                  pretty_exceptions_enable=False)


@app.command()
def topics() -> None:
    """Create the contracts' registry topics that do not exist yet (not when CAREPAY_KAFKA_CREATE_TOPICS is false)."""
    from shared.kafka_io import create_topics
    from shared.kafka_security import kafka_settings

    kafka = kafka_settings()
    if not kafka.create_topics:
        typer.echo("topics: not created here (CAREPAY_KAFKA_CREATE_TOPICS is false: the cluster defines them)")
        return
    created = asyncio.run(create_topics(kafka))
    typer.echo(f"topics created: {', '.join(created)}" if created else "topics: all present")


@app.command()
def migrate(services: list[str] = typer.Argument(None)) -> None:
    """Apply every service's migrations to its own schema (as `carepay migrate`)."""
    for line in asyncio.run(apply(_services(services))):
        typer.echo(line)


@app.command()
def up(services: list[str] = typer.Argument(None), timeout: float = 180.0) -> None:
    """Start each service (instance 1) unless running, then wait until all are ready."""
    instances = [proc.Instance(s) for s in _services(services)]
    for inst in instances:
        typer.echo(f"{inst.label:<11} {proc.start(inst)}")
    not_ready = proc.wait_ready(instances, timeout)
    for label, reason in not_ready.items():
        typer.echo(f"{label:<11} NOT READY: {reason}", err=True)
    if not_ready:
        raise typer.Exit(1)
    typer.echo("all services ready")


@app.command()
def start(service: str, instance: int = typer.Option(1, help="Instance number; port = base + 100*(n-1).")) -> None:
    """Start one more instance of a service (e.g. `carepay stack start delivery --instance 2`)."""
    inst = proc.Instance(_services([service])[0], instance)
    typer.echo(f"{inst.label}: {proc.start(inst)} on {inst.url}")
    not_ready = proc.wait_ready([inst])
    if not_ready:
        typer.echo(f"{inst.label} NOT READY: {not_ready[inst.label]}", err=True)
        raise typer.Exit(1)


@app.command()
def stop(service: str, instance: int = 1, kill: bool = typer.Option(False, help="SIGKILL at once.")) -> None:
    """Stop one instance of a service."""
    inst = proc.Instance(_services([service])[0], instance)
    typer.echo(f"{inst.label}: {proc.stop(inst, kill=kill)}")


@app.command()
def down() -> None:
    """Stop every service instance this stack started (by recorded pids), and nothing else."""
    for inst in proc.all_instances():
        typer.echo(f"{inst.label:<11} {proc.stop(inst)}")


@app.command()
def status() -> None:
    """Each service instance: pid, URL and readiness."""
    for inst in proc.all_instances():
        pid = proc.recorded_pid(inst)
        ok, reason = proc.ready(inst) if pid else (False, "stopped")
        state = "ready" if ok else f"not ready ({reason})"
        typer.echo(f"{inst.label:<13} {inst.url:<24} pid {pid or '-':<8} {state}")
