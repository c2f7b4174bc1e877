"""`carepay deploy ...`: the files of deploy/ that are generated from the code."""
from __future__ import annotations

import typer

from shared import deployment
from shared.settings import REPO_ROOT

app = typer.Typer(help="Files of deploy/ generated from the code.", no_args_is_help=True,
                  pretty_exceptions_enable=False)


@app.command()
def generate() -> None:
    """Write deploy/helm/carepay/files/kafka.yaml (topics, ACLs, scaling) from contracts/topics.py and the handlers."""
    path = deployment.chart_file(REPO_ROOT)
    changed = deployment.write(REPO_ROOT)
    typer.echo(f"{'wrote' if changed else 'unchanged'} {path.relative_to(REPO_ROOT)}")
