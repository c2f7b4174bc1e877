"""The steps of a payment run over one database transaction each: propose, review, approve.

Each step locks the run, asks the domain, stores the result and records its events in the outbox,
all in the caller's transaction: a crash at any point leaves the step wholly done or not done,
and a retry finds the run as it was (export and bank confirmations are in `run_export.py`).
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import asyncpg

from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.payments import publishing, store_runs
from services.payments.config import PaymentsConfig
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.payment_run import Actor, PaymentRun
from services.payments.domain.proposal import RunRequest, propose_run
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import PayeeKind
from services.payments.store_direct_payments import agreements_due
from services.payments.store_payables import payables
from services.payments.store_runs import StoredRun


log = get_logger(__name__)


class Stopwatch:
    """Milliseconds per step, for the log line of a run step (where a large run spends its time)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        elapsed, self.last = now - self.last, now
        return round(elapsed * 1000, 1)


async def without_jit(conn: asyncpg.Connection) -> None:
    """For this transaction: Postgres would JIT-compile a run's big one-off queries for longer than
    they take to run (400 ms of compiling for a 90 ms read of 50,000 invoices)."""
    await conn.execute("SET LOCAL jit = off")


@dataclass(frozen=True)
class Proposal:
    """What finance asks for. `providers` / `direct_payments` narrow the run to those payees (None: all)."""

    pay_date: date
    kind: RunKind | None = None
    include_direct_payments: bool = False
    pay_early: Sequence[str] = ()
    providers: Sequence[str] | None = None
    direct_payments: Sequence[str] | None = None

    def scope(self) -> dict:
        return {k: v for k, v in (("providers", self.providers), ("direct_payments", self.direct_payments),
                                  ("pay_early", list(self.pay_early) or None)) if v is not None}


async def propose(conn: asyncpg.Connection, proposal: Proposal, by: str, at: datetime, config: PaymentsConfig,
                  outbox: Outbox, cause: Cause) -> StoredRun:
    """Store a proposed run for review (nothing is paid until a second person approves it)."""
    scheduled = config.calendar.run_on(proposal.pay_date, proposal.kind,
                                       include_direct_payments=proposal.include_direct_payments)
    await without_jit(conn)
    clock = Stopwatch()
    found = await payables(conn, proposal.pay_date, proposal.pay_early, proposal.providers)
    dps, adjustment_ids = [], {}
    if scheduled.include_direct_payments:
        dps, adjustment_ids = await agreements_due(conn, proposal.direct_payments, config.dp_cost_centre)
    number = await store_runs.next_run_number(conn)
    read = clock.lap()
    request = RunRequest(f"RUN-{uuid.uuid4().hex[:12].upper()}", number, scheduled, by, at,
                         frozenset(proposal.pay_early))
    run = propose_run(request, found.invoices, found.payees, dps, config.settings, found.credits)
    rules = clock.lap()
    managed = {a.id for a in dps if a.council_managed}
    await store_runs.insert_run(conn, run, proposal.scope(), managed, adjustment_ids)
    await store_runs.record_direct_payment_versions(conn, run.run_id)
    await outbox.publish(conn, [publishing.run_proposed(run)], cause)
    log.info("payment run proposed", run_id=run.run_id, payments=len(run.payments), exclusions=len(run.exclusions),
             read_ms=read, rules_ms=rules, store_ms=clock.lap())
    return StoredRun.of(run, proposal.scope(), {
        p.reference for p in run.payments if p.payee_kind is PayeeKind.DIRECT_PAYMENT and p.payee_id in managed})


async def locked(conn: asyncpg.Connection, run_id: str, *, lines: bool = True) -> StoredRun:
    if await store_runs.lock_run(conn, run_id) is None:
        raise LookupError(run_id)
    stored = await store_runs.load_run(conn, run_id, lines=lines)
    assert stored is not None
    return stored


async def exclude_line(conn: asyncpg.Connection, run_id: str, line_id: str, reason: str, by: Actor,
                       at: datetime) -> PaymentRun:
    """Leave one line (and what settles with it) out of a proposed run, with the reviewer's reason."""
    if await store_runs.lock_run(conn, run_id) is None:
        raise LookupError(run_id)
    reference = await store_runs.payment_of_line(conn, run_id, line_id)
    if reference is None:
        raise PaymentRefused("line_id", f"run {run_id} has no line {line_id}; GET the run to see its lines")
    # Only the payment holding the line is read: reviewing a 50,000-invoice run stays quick.
    before = (await store_runs.load_run(conn, run_id, only_payment=reference)).run
    after = before.exclude_line(line_id, reason, by, at)
    await store_runs.record_review(conn, before, after)
    return after


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
    await outbox.publish(conn, publishing.run_approved(approved, await store_runs.invoice_ids(conn, run_id)), cause)
    log.info("payment run approved", run_id=run_id, checked_and_settled_ms=checked, events_ms=clock.lap())
    return replace(stored, run=approved)
