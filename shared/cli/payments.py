"""`carepay payments run --date D`: propose a payment run through the payments API.

Proposing only drafts the run: a finance approver approves it (over HTTP) before anything is paid.
The token defaults to a local finance officer's (like `carepay token --role finance_officer`);
give --token (or CAREPAY_TOKEN) for a real user's.
"""
from __future__ import annotations

import os
from datetime import date

import httpx
import typer

from shared.auth import mint_token
from shared.money import format_gbp
from shared.settings import auth_secret_from_env
from shared.stack import Instance

app = typer.Typer(help="Payment runs: propose one for a pay date.", no_args_is_help=True)


def _token(token: str | None) -> str:
    if token:
        return token
    secret = auth_secret_from_env()
    return mint_token(secret, subject=os.environ.get("USER", "local-finance-officer"), role="finance_officer")


@app.command("run")
def run(
    pay_date: str = typer.Option(..., "--date", help="Pay date, YYYY-MM-DD (a working day)."),
    kind: str | None = typer.Option(None, help="weekly, four_weekly or ad_hoc (needed when two runs share the day)."),
    provider: list[str] = typer.Option([], help="Pay only this provider (repeatable)."),
    direct_payment: list[str] = typer.Option([], help="Pay only this direct-payment agreement (repeatable)."),
    include_direct_payments: bool = typer.Option(False, help="Ad hoc runs: pay direct payments due too."),
    token: str | None = typer.Option(None, envvar="CAREPAY_TOKEN", help="Bearer token (default: local officer)."),
    url: str | None = typer.Option(None, help="Payments service URL (default: the local stack's)."),
) -> None:
    """Propose the run paying on --date and print what it pays and leaves out."""
    try:
        date.fromisoformat(pay_date)
    except ValueError as exc:
        raise typer.BadParameter(f"{pay_date!r} is not a date: give YYYY-MM-DD") from exc
    body: dict = {"pay_date": pay_date, "include_direct_payments": include_direct_payments}
    if kind:
        body["kind"] = kind
    if provider:
        body["providers"] = provider
    if direct_payment:
        body["direct_payments"] = direct_payment
    base = url or Instance("payments").url
    try:
        resp = httpx.post(f"{base}/payment-runs", params={"lines": "false"}, json=body,
                          headers={"Authorization": f"Bearer {_token(token)}"}, timeout=120)
    except httpx.HTTPError as exc:
        typer.echo(f"could not reach the payments service at {base}: {exc}", err=True)
        raise typer.Exit(2) from exc
    if resp.status_code != 201:
        typer.echo(f"refused ({resp.status_code}): {resp.text}", err=True)
        raise typer.Exit(1)
    run_ = resp.json()
    totals = run_["totals"]
    typer.echo(f"proposed {run_['kind']} run {run_['run_id']} (number {run_['run_number']}) paying on "
               f"{run_['pay_date']}: {totals['payment_count']} payment(s), {format_gbp(totals['payments_pence'])}")
    for e in run_["exclusions"]:
        typer.echo(f"  left out {e['subject']} ({e['reason']}): {e['detail']}")
    typer.echo(f"review: GET {base}/payment-runs/{run_['run_id']}; a finance approver other than you approves it")
