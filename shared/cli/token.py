"""`carepay token`: mint a bearer token for the local stack."""
from __future__ import annotations

import typer

from shared.auth import ROLES, mint_token
from shared.settings import auth_secret_from_env


def token(
    role: str = typer.Option(..., help=f"One of: {', '.join(ROLES)}"),
    provider: str | None = typer.Option(
        None, help="provider_id (PRV-…, from the agreements register) a provider token is limited to; "
                   "GET /providers?cqc_provider_id=… on agreements finds it from a CQC ID."),
    person: str | None = typer.Option(None, help="person_ref a person token is limited to."),
    pa: str | None = typer.Option(None, "--pa", help="pa_id (PA-…) a personal_assistant token is limited to."),
    subject: str | None = typer.Option(None, help="User id (defaults to the role name)."),
    ttl_hours: int = typer.Option(12, help="Hours until the token expires."),
) -> None:
    """Print a signed token carrying ROLE (and the identity it is limited to)."""
    secret = auth_secret_from_env()
    try:
        typer.echo(mint_token(secret, subject=subject or f"local-{role}", role=role, provider_id=provider,
                              person_ref=person, pa_id=pa, ttl_seconds=ttl_hours * 3600))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
