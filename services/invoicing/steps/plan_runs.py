"""Raising the council's invoices from the plan for a period, a batch of agreements per transaction.

Shared by the scheduled run (plan agreements, in arrears) and the ISF advances (individual service
funds, before the period): for a period start, every agreement of the run's kind that has a period
starting that day and is active in it gets one invoice, exactly once: agreements that already have
one of the kind for the period are counted and skipped, and a unique index refuses a second all the
same. A run holds an advisory lock of its kind, so the job on two instances, or beside an officer's
run, never overlaps.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
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
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceStatus, StatusChange
from services.invoicing.domain.numbering import Series, format_number
from services.invoicing.domain.periods import Period
from services.invoicing.domain.validation_context import ValidationContext
from services.invoicing.steps.validation import announcements, lock_agreements, lock_provider_facts, with_outcome
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store import numbering as store_numbering
from services.invoicing.store.invoices import Filed


class RunInProgress(Exception):
    """Another run of the same kind holds the lock; this one did nothing."""


@dataclass(frozen=True)
class PlanRunKind:
    """What one kind of run raises: which agreements, which period of each, which invoice and number."""

    kind: InvoiceKind
    series: Series
    isf: bool  # individual service funds only, or every other plan agreement
    lock: str  # the advisory lock's name
    source: str  # where the invoices are recorded as coming from
    period_of: Callable[[AgreementOnFile, date, date], Period | None]  # (agreement, period start, anchor)
    build: Callable[..., Invoice]  # (agreement, period, *, number, issued_on) -> draft; NothingToInvoice
    why: Callable[[Period], str]  # the reason recorded with the raise


@dataclass
class PlanRun:
    period_start: date
    raised: int = 0
    approved: int = 0
    held: int = 0
    already_raised: int = 0
    nothing_payable: int = 0
    invoice_ids: list[str] = field(default_factory=list)

    def counts(self, already: str) -> dict:
        """The run's figures, `already_raised` under the name the caller answers with."""
        out = dict(vars(self))
        out[already] = out.pop("already_raised")
        return out


async def run_plan(pool: asyncpg.Pool, outbox: Outbox, cause: Cause, actor: Actor, what: PlanRunKind,
                   period_start: date, *, issued_on: date | None = None) -> PlanRun:
    issued_on = issued_on or london_date(utcnow())
    run = PlanRun(period_start)
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", what.lock):
            raise RunInProgress(f"a run of {what.kind.value} invoices is already under way; try again when it has"
                                " finished")
        try:
            after = ""
            while True:
                async with conn.transaction():
                    after = await _batch(conn, outbox, cause, actor, what, run, after, issued_on)
                if not after:
                    return run
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", what.lock)


async def _batch(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, what: PlanRunKind,
                 run: PlanRun, after: str, issued_on: date) -> str:
    """One page of agreements; returns the last agreement id read ('' when none were left)."""
    settings = config()
    page = await store_facts.plan_agreements_overlapping(conn, run.period_start, run.period_start + timedelta(days=27),
                                                         after=after, limit=settings.schedule_batch, isf=what.isf)
    if not page:
        return ""
    due = []
    for agreement in page:
        period = what.period_of(agreement, run.period_start, settings.four_weekly_anchor)
        if period is not None and agreement.active_period.overlap(period):
            due.append((agreement, period))
    await lock_provider_facts(conn, (a.provider_ref for a, _ in due))
    await lock_agreements(conn, (a.agreement_id for a, _ in due))
    done = await store_invoices.originals_for(conn, what.kind.value,
                                              ((a.agreement_id, p.first, p.last) for a, p in due))
    drafts = []
    for agreement, period in due:
        if (agreement.agreement_id, period.first, period.last) in done:
            run.already_raised += 1
            continue
        try:
            drafts.append((agreement, what.build(agreement, period, number="", issued_on=issued_on)))
        except NothingToInvoice:
            run.nothing_payable += 1
    filed = await _file(conn, actor, what, drafts)
    by_id = {a.agreement_id: a for a, _ in drafts}
    await outbox.publish(conn, [e for f in filed for e in announcements(f, by_id, raised=True)], cause)
    run.raised += len(filed)
    run.approved += sum(f.invoice.status is InvoiceStatus.APPROVED for f in filed)
    run.held += sum(f.invoice.status is InvoiceStatus.HELD for f in filed)
    run.invoice_ids += [f.invoice.invoice_id for f in filed]
    return page[-1].agreement_id


async def _file(conn: asyncpg.Connection, actor: Actor, what: PlanRunKind,
                drafts: list[tuple[AgreementOnFile, Invoice]]) -> list[Filed]:
    """Number, validate and store the drafts (in the caller's transaction)."""
    settings = config()
    numbers = await store_numbering.allocate_numbers(conn, Counter((a.provider_ref, what.series) for a, _ in drafts))
    next_of = {key: iter(span) for key, span in numbers.items()}
    ids = [a.agreement_id for a, _ in drafts]
    providers = await store_facts.providers(conn, (a.provider_ref for a, _ in drafts))
    committed = await store_facts.commitments(conn, ids)
    earlier: dict[str, list] = {}
    for span in await store_invoices.already_invoiced(conn, ids):
        earlier.setdefault(span.agreement_id, []).append(span)
    filed = []
    for agreement, draft in drafts:
        number = format_number(agreement.provider_ref, next(next_of[(agreement.provider_ref, what.series)]),
                               what.series)
        step = StatusChange("raise", None, InvoiceStatus.DRAFT, actor.id, what.why(draft.period))
        invoice = replace(draft, number=number, history=(step,))
        aid = agreement.agreement_id
        commitments = {aid: commitment_for_period(committed[aid], agreement, draft.period)} if aid in committed else {}
        ctx = ValidationContext(providers[agreement.provider_ref], {aid: agreement}, {}, commitments,
                                already_invoiced=tuple(earlier.get(aid, ())), settings=settings.validation)
        service_type = agreement.service_type.value if agreement.service_type else None
        filed.append(with_outcome(Filed(invoice, what.source, service_type), ctx))
    await store_invoices.insert_filed(conn, filed, actor)
    return filed
