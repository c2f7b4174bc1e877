"""Approve a proposed run (maker-checker): the run's state by the domain, every line by the database."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import asyncpg

from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.payments import events
from services.payments.domain.errors import RunConflict
from services.payments.domain.payment_run import Actor
from services.payments.steps.run_step import Stopwatch, locked, without_jit
from services.payments.store import runs as store_runs
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
