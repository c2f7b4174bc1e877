"""`carepay contracts`: regenerate the committed AsyncAPI and OpenAPI documents and event schemas."""
from __future__ import annotations

import typer

from shared.contract_docs import write_all, write_release
from shared.settings import REPO_ROOT


def contracts(release: bool = typer.Option(
        False, "--release", help="Also snapshot the event schemas as released, in contracts/released/ "
                                 "(once per release: the baseline both old and new readers are tested against).")
) -> None:
    """Write contracts/asyncapi/*.json, contracts/openapi/*.json and contracts/schemas/*.json from the code."""
    changed = write_all()
    if release:
        changed += write_release()
    for path in changed:
        typer.echo(f"wrote {path.relative_to(REPO_ROOT)}")
    typer.echo(f"{len(changed)} document(s) changed")
