"""The `carepay` command for operators: stack, migrate, serve, token, dlq, outbox, ecm, payments, reporting, demo,
deploy (and more as services grow)."""
from __future__ import annotations

import typer

from shared.cli import contracts_cmd, demo, deploy, dlq, ecm, migrate, outbox, payments, reporting, serve, stack, token

app = typer.Typer(help="Carepay operators' command line.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
app.add_typer(stack.app, name="stack")
app.add_typer(dlq.app, name="dlq")
app.add_typer(outbox.app, name="outbox")
app.add_typer(ecm.app, name="ecm")
app.add_typer(payments.app, name="payments")
app.add_typer(reporting.app, name="reporting")
app.add_typer(demo.app, name="demo")
app.add_typer(deploy.app, name="deploy")
app.command("token")(token.token)
app.command("contracts")(contracts_cmd.contracts)
app.command("migrate")(migrate.migrate)
app.command("serve")(serve.serve)


def main() -> None:
    app()
