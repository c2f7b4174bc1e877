"""Scheduled invoices for plan-based agreements, raised a batch of agreements per transaction.

For a period start, every plan agreement whose cycle has a period starting that day and who was
active in it gets one invoice (the rate in force each day, less suspension days, pro-rata at
start, end and variation: see `domain.plan_pricing`), exactly once: agreements already invoiced
for the period are skipped, and a unique index refuses a second all the same. A run holds an
advisory lock, so the periodic task (`jobs.py`) on two instances, or beside an officer's run, never
overlaps.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import asyncpg

from contracts.envelope import Actor
from shared.clock import london_date, utcnow
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing.config import config
from services.invoicing.domain.commitments import commitment_for_period
from services.invoicing.domain.errors import NothingToInvoice
from services.invoicing.domain.invoice import InvoiceStatus, StatusChange
from services.invoicing.domain.numbering import Series, format_number
from services.invoicing.domain.periods import period_starting
from services.invoicing.domain.scheduled import build_scheduled_invoice
from services.invoicing.domain.validation_context import ValidationContext
from services.invoicing.steps.validation import announcements, lock_agreements, lock_provider_facts, with_outcome
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store import numbering as store_numbering
from services.invoicing.store.invoices import Filed

RUN_LOCK = "invoicing:scheduled-run"


class RunInProgress(Exception):
    """Another scheduled run holds the lock; this one did nothing."""


@dataclass
class ScheduledRun:
    period_start: date
    raised: int = 0
    approved: int = 0
    held: int = 0
    already_invoiced: int = 0
    nothing_payable: int = 0
    invoice_ids: list[str] = field(default_factory=list)


async def raise_scheduled(pool: asyncpg.Pool, outbox: Outbox, cause: Cause, actor: Actor, period_start: date,
                          *, issued_on: date | None = None) -> ScheduledRun:
    issued_on = issued_on or london_date(utcnow())
    run = ScheduledRun(period_start)
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", RUN_LOCK):
            raise RunInProgress("a scheduled-invoice run is already under way; try again when it has finished")
        try:
            after = ""
            while True:
                async with conn.transaction():
                    after = await _batch(conn, outbox, cause, actor, run, after, issued_on)
                if not after:
                    return run
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", RUN_LOCK)


async def _batch(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, run: ScheduledRun,
                 after: str, issued_on: date) -> str:
    """One page of plan agreements; returns the last agreement id read ('' when none were left)."""
    settings = config()
    page = await store_facts.plan_agreements_overlapping(conn, run.period_start, run.period_start + timedelta(days=27),
                                                         after=after, limit=settings.schedule_batch)
    if not page:
        return ""
    due = []
    for agreement in page:
        period = period_starting(run.period_start, agreement.cycle, settings.four_weekly_anchor)
        if period is not None and agreement.active_period.overlap(period):
            due.append((agreement, period))
    await lock_provider_facts(conn, (a.provider_ref for a, _ in due))
    await lock_agreements(conn, (a.agreement_id for a, _ in due))
    done = await store_invoices.originals_for(conn, "scheduled", ((a.agreement_id, p.first, p.last) for a, p in due))
    drafts = []
    for agreement, period in due:
        if (agreement.agreement_id, period.first, period.last) in done:
            run.already_invoiced += 1
            continue
        try:
            drafts.append((agreement, build_scheduled_invoice(agreement, period, number="", issued_on=issued_on)))
        except NothingToInvoice:
            run.nothing_payable += 1
    numbers = await store_numbering.allocate_numbers(conn, Counter((a.provider_ref, Series.SCHEDULED) for a, _ in drafts))
    next_of = {key: iter(span) for key, span in numbers.items()}
    ids = [a.agreement_id for a, _ in drafts]
    providers = await store_facts.providers(conn, (a.provider_ref for a, _ in drafts))
    weekly = await store_facts.weekly_commitments(conn, ids)
    earlier: dict[str, list] = {}
    for span in await store_invoices.already_invoiced(conn, ids):
        earlier.setdefault(span.agreement_id, []).append(span)
    filed = []
    for agreement, draft in drafts:
        number = format_number(agreement.provider_ref, next(next_of[(agreement.provider_ref, Series.SCHEDULED)]),
                               Series.SCHEDULED)
        step = StatusChange("raise", None, InvoiceStatus.DRAFT, actor.id, f"scheduled from the plan for {draft.period}")
        invoice = replace(draft, number=number, history=(step,))
        aid = agreement.agreement_id
        commitments = {aid: commitment_for_period(weekly[aid], agreement, draft.period)} if aid in weekly else {}
        ctx = ValidationContext(providers[agreement.provider_ref], {aid: agreement}, {}, commitments,
                                already_invoiced=tuple(earlier.get(aid, ())), settings=settings.validation)
        service_type = agreement.service_type.value if agreement.service_type else None
        filed.append(with_outcome(Filed(invoice, "schedule", service_type), ctx))
    await store_invoices.insert_filed(conn, filed, actor)
    by_id = {a.agreement_id: a for a, _ in drafts}
    await outbox.publish(conn, [e for f in filed for e in announcements(f, by_id, raised=True)], cause)
    run.raised += len(filed)
    run.approved += sum(f.invoice.status is InvoiceStatus.APPROVED for f in filed)
    run.held += sum(f.invoice.status is InvoiceStatus.HELD for f in filed)
    run.invoice_ids += [f.invoice.invoice_id for f in filed]
    return page[-1].agreement_id
