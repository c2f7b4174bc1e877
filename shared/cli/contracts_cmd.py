"""`carepay contracts`: regenerate the committed AsyncAPI and OpenAPI documents and event schemas."""
from __future__ import annotations

import typer

from shared.contract_docs import write_all
from shared.settings import REPO_ROOT


def contracts() -> None:
    """Write contracts/asyncapi/*.json, contracts/openapi/*.json and contracts/schemas/*.json from the code."""
    changed = write_all()
    for path in changed:
        typer.echo(f"wrote {path.relative_to(REPO_ROOT)}")
    typer.echo(f"{len(changed)} document(s) changed")
