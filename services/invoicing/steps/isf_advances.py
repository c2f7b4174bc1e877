"""ISF advances: each individual service fund's budget for a four-weekly period, raised before it.

For a four-weekly period start, every ISF agreement active in the period gets one `isf_advance`
(the plan's spans of the period, as a scheduled invoice's), exactly once per agreement and period,
a batch of agreements per transaction under the advances' own advisory lock (`plan_runs`), each
published as InvoiceIssued then InvoiceApproved or InvoiceHeld. The job raises the periods
`domain.isf_advances.periods_to_advance` names; an officer any four-weekly period, past or future.
"""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts.common import Cycle
from contracts.envelope import Actor
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.invoice import InvoiceKind
from services.invoicing.domain.isf_advances import build_isf_advance
from services.invoicing.domain.numbering import Series
from services.invoicing.domain.periods import Period, period_starting
from services.invoicing.steps.plan_runs import PlanRun, PlanRunKind, run_plan

RUN_LOCK = "invoicing:isf-advance-run"


def _period(agreement: AgreementOnFile, start: date, anchor: date) -> Period | None:
    return period_starting(start, Cycle.FOUR_WEEKLY, anchor)  # an ISF is advanced four-weekly, whatever its copy says


ISF_ADVANCES = PlanRunKind(InvoiceKind.ISF_ADVANCE, Series.ISF_ADVANCE, isf=True, lock=RUN_LOCK, source="isf_advance",
                           period_of=_period, build=build_isf_advance,
                           why=lambda period: f"individual service fund advanced for {period}")


async def raise_isf_advances(pool: asyncpg.Pool, outbox: Outbox, cause: Cause, actor: Actor, period_start: date,
                             *, issued_on: date | None = None) -> PlanRun:
    """The advances of the four-weekly period starting `period_start` (the caller checks it is one)."""
    return await run_plan(pool, outbox, cause, actor, ISF_ADVANCES, period_start, issued_on=issued_on)
