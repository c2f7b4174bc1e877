"""Propose a payment run: what is payable on the pay date, chosen by the domain, stored for review.
Nothing is paid until a second person approves it (`steps.approving`)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.payments import events
from services.payments.config import PaymentsConfig
from services.payments.domain.proposal import RunRequest, propose_run
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import PayeeKind
from services.payments.steps.run_step import Stopwatch, without_jit
from services.payments.store import accounts as store_accounts
from services.payments.store import runs as store_runs
from services.payments.store.direct_payments import agreements_due
from services.payments.store.net_pay import payroll_due
from services.payments.store.payables import payables
from services.payments.store.runs import StoredRun

log = get_logger(__name__)


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
    # What every council-managed account may still pay on the pay date (its ledger, less what approved runs
    # will take): the proposal is a draft, so no lock; the approval checks again under the accounts' locks.
    funds = await store_accounts.available(conn, scheduled.pay_date)
    payroll = await payroll_due(conn, proposal.providers, proposal.direct_payments, config.dp_cost_centre)
    number = await store_runs.next_run_number(conn)
    read = clock.lap()
    request = RunRequest(f"RUN-{uuid.uuid4().hex[:12].upper()}", number, scheduled, by, at,
                         frozenset(proposal.pay_early))
    run = propose_run(request, found.invoices, found.payees, dps, config.settings, found.credits, funds,
                      payroll=payroll)
    rules = clock.lap()
    managed = {a.id for a in dps if a.council_managed}
    await store_runs.insert_run(conn, run, proposal.scope(), managed, adjustment_ids)
    await store_runs.record_direct_payment_versions(conn, run.run_id)
    await outbox.publish(conn, [events.run_proposed(run)], cause)
    log.info("payment run proposed", run_id=run.run_id, payments=len(run.payments), exclusions=len(run.exclusions),
             read_ms=read, rules_ms=rules, store_ms=clock.lap())
    return StoredRun.of(run, proposal.scope(), {
        p.reference for p in run.payments if p.payee_kind is PayeeKind.DIRECT_PAYMENT and p.payee_id in managed})
