"""`carepay ecm import FILE --provider PRV-…`: send a provider's visit file to the delivery service.

The file is streamed to `POST /providers/{provider_id}/visit-files` (CSV, or XML for *.xml) with a progress
bar, and the service's report is printed: totals, the CSV columns it ignored (extra or misspelt), then every
bad row with its row, field and reason.
Without --token (or CAREPAY_TOKEN) it signs an officer token with the local stack's secret.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from shared.auth import mint_token, not_a_cqc_id
from shared.settings import auth_secret_from_env
from shared.spreadsheet import safe_cell
from shared.stack import Instance

app = typer.Typer(help="Provider call-monitoring (ECM) files.", no_args_is_help=True)
_CHUNK = 256 * 1024


def _chunks(path: Path, progress: Progress, task) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            progress.advance(task, len(chunk))
            yield chunk


def _token(token: str | None) -> str:
    if token:
        return token
    secret = auth_secret_from_env()
    return mint_token(secret, subject="cli-ecm-import", role="ops")


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV export or XML file."),
    provider: str = typer.Option(..., "--provider", help="The provider_id (PRV-…, from the agreements register) "
                                                        "the file is for; GET /providers?cqc_provider_id=… on "
                                                        "agreements finds it from a CQC ID."),
    reference: str | None = typer.Option(None, help="CSV file reference (default: SHA-256 of the content)."),
    url: str | None = typer.Option(None, help="Delivery service URL (default: the local stack's)."),
    token: str | None = typer.Option(None, envvar="CAREPAY_TOKEN", help="Bearer token (default: local officer)."),
    show: int = typer.Option(50, help="Bad rows to print (all are listed by GET /visits/rejected)."),
) -> None:
    """Stream FILE to the delivery service and print its report."""
    try:
        not_a_cqc_id(provider)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--provider") from exc
    console = Console()
    kind = "application/xml" if file.suffix.lower() == ".xml" else "text/csv"
    base = url or Instance("delivery").url
    params = {"file_reference": reference} if reference else {}
    headers = {"Authorization": f"Bearer {_token(token)}", "Content-Type": kind}
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"sending {file.name}", total=file.stat().st_size)
        with httpx.Client(timeout=httpx.Timeout(30.0, read=3600.0)) as client:
            response = client.post(f"{base}/providers/{provider}/visit-files", params=params, headers=headers,
                                   content=_chunks(file, progress, task))
    if response.status_code != 200:
        console.print(f"[red]refused ({response.status_code}):[/red] {_detail(response)}")
        raise typer.Exit(1)
    report = response.json()
    summary = Table(title=f"{file.name}: intake {report['intake_id']}", show_header=False)
    for key in ("file_reference", "received", "verified", "unallocated", "rejected", "file_error"):
        if report.get(key) is not None:
            summary.add_row(key.replace("_", " "), str(report[key]))
    console.print(summary)
    ignored = (report.get("columns") or {}).get("ignored") or []
    if ignored:  # extra or misspelt columns: said, so a misspelt optional column is not lost without a word
        console.print(f"[yellow]columns ignored (not read): {escape(', '.join(ignored))}[/yellow]")
    rejects = report.get("rejects", [])
    if rejects:
        table = Table(title=f"bad rows ({min(show, len(rejects))} of {report['rejected']})")
        for column in ("row", "field", "reason", "message"):
            table.add_column(column)
        for r in rejects[:show]:
            table.add_row(str(r["row"]), safe_cell(r.get("field")), safe_cell(r["reason"]), safe_cell(r["message"]))
        console.print(table)
        console.print(f"all of them: {base}{report['all_rejects']}")


def _detail(response: httpx.Response) -> str:
    """What a problem answer (shared.problems) says: each of its errors, else its detail."""
    try:
        problem = response.json()
    except ValueError:
        return response.text[:500]
    if not isinstance(problem, dict):
        return response.text[:500]
    errors = problem.get("errors") or []
    if errors:
        return "; ".join(f"{e['field']}: {e.get('msg')}" if e.get("field") else str(e.get("msg", e)) for e in errors)
    return str(problem.get("detail"))
