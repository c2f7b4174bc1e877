"""Approve a proposed run (maker-checker): the run's state by the domain, every line by the database, and
what it takes from council-managed accounts against what they hold, under their locks."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import asyncpg

from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.payments import events
from services.payments.domain.errors import RunConflict
from services.payments.domain.managed_funding import shortfalls
from services.payments.domain.payment_run import Actor, PaymentRun
from services.payments.steps.run_step import Stopwatch, locked, without_jit
from services.payments.store import accounts as store_accounts
from services.payments.store import runs as store_runs
from services.payments.store.payables import changed_funding
from services.payments.store.runs import StoredRun

log = get_logger(__name__)


async def approve(conn: asyncpg.Connection, run_id: str, by: Actor, at: datetime, outbox: Outbox,
                  cause: Cause) -> StoredRun:
    """Maker-checker approval: who, when and the run's state by the domain; every line by the
    database as the approval is stored (so the 50,000 lines of a large run are not read here)."""
    await without_jit(conn)
    clock = Stopwatch()
    stored = await locked(conn, run_id, lines=False)
    approved = stored.run.approval(by, at)
    await store_runs.lock_direct_payments(conn, run_id)  # an ending or change beside it: one sees the other
    changed = await store_runs.changed_direct_payments(conn, run_id)
    if changed:
        raise RunConflict("run", f"the amount of direct payment(s) {', '.join(changed)} changed since the run was "
                                 "proposed, so the run would pay the old amount for days after the change: "
                                 "propose a new run")
    await _check_managed_funds(conn, approved)
    try:
        async with conn.transaction():  # a savepoint, so a refusal can be explained from the same connection
            await store_runs.mark_approved(conn, approved)
    except asyncpg.UniqueViolationError:
        clashes = await store_runs.conflicting_documents(conn, run_id)
        raise RunConflict("run", "already paid by another approved run: " + ", ".join(
            f"{doc} (run {other})" for doc, other in clashes) + "; exclude them or propose a new run") from None
    except asyncpg.CheckViolationError as refused:
        raise RunConflict("run", str(refused)) from None
    checked = clock.lap()
    await outbox.publish(conn, events.run_approved(approved, await store_runs.invoice_ids(conn, run_id)), cause)
    log.info("payment run approved", run_id=run_id, checked_and_settled_ms=checked, events_ms=clock.lap())
    return replace(stored, run=approved)


async def _check_managed_funds(conn: asyncpg.Connection, run: PaymentRun) -> None:
    """Every line is paid from the account its agreements are funded by now, and every managed account the
    run's lines draw on (any line with `funded_by`) can pay what it takes: checked under the accounts' locks,
    held until the approval commits, so a second approval (or a manual entry) beside it sees this one's."""
    changed = await changed_funding(conn, run.run_id)
    if changed:
        raise RunConflict("run", f"invoice(s) {', '.join(changed)} were proposed to be paid from an account their "
                                 "agreements are no longer funded by: propose a new run")
    debits = await store_accounts.run_debits(conn, run.run_id)
    if not debits:
        return
    nothing = await store_accounts.payments_drawing_nothing(conn, run.run_id)
    if nothing:
        raise RunConflict("run", "payment(s) " + ", ".join(f"{ref} (direct payment {dp})" for ref, dp in nothing)
                          + " would take 0 or less from a managed account (its credits outweigh what it pays): "
                            "propose a new run")
    await store_accounts.lock_accounts(conn, list(debits))
    accounts = await store_accounts.managed_accounts(conn, list(debits))
    pending = await store_accounts.committed(conn, list(debits), besides=run.run_id)
    short = shortfalls(debits, accounts, pending, run.pay_date)
    if short:
        raise RunConflict("run", "the run would overdraw council-managed account(s): " + "; ".join(map(str, short))
                          + ": exclude their lines or propose a new run")
