"""Scheduled invoices for plan-based agreements, raised a batch of agreements per transaction.

For a period start, every plan agreement (not an individual service fund: those are advanced, see
`steps.isf_advances`) whose cycle has a period starting that day and who was active in it gets one
invoice (the rate in force each day, less suspension days, pro-rata at start, end and variation:
see `domain.plan_pricing`), exactly once, under the scheduled run's advisory lock (`plan_runs`).
"""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts.envelope import Actor
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.invoice import InvoiceKind
from services.invoicing.domain.numbering import Series
from services.invoicing.domain.periods import Period, period_starting
from services.invoicing.domain.scheduled import build_scheduled_invoice
from services.invoicing.steps.plan_runs import PlanRun, PlanRunKind, run_plan

RUN_LOCK = "invoicing:scheduled-run"


def _period(agreement: AgreementOnFile, start: date, anchor: date) -> Period | None:
    return period_starting(start, agreement.cycle, anchor)


SCHEDULED = PlanRunKind(InvoiceKind.SCHEDULED, Series.SCHEDULED, isf=False, lock=RUN_LOCK, source="schedule",
                        period_of=_period, build=build_scheduled_invoice,
                        why=lambda period: f"scheduled from the plan for {period}")


async def raise_scheduled(pool: asyncpg.Pool, outbox: Outbox, cause: Cause, actor: Actor, period_start: date,
                          *, issued_on: date | None = None) -> PlanRun:
    return await run_plan(pool, outbox, cause, actor, SCHEDULED, period_start, issued_on=issued_on)
