"""invoicing's periodic work: `JOBS`, each `async def work(runtime)` run by the service from start
to shutdown (`create_service(background=JOBS)`)."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from contracts.common import Cycle
from contracts.envelope import Actor
from shared.clock import london_date, utcnow
from shared.events import Cause
from shared.logging import get_logger
from shared.redaction import describe
from services.invoicing.config import config
from services.invoicing.domain.isf_advances import periods_to_advance
from services.invoicing.domain.periods import last_complete_period
from services.invoicing.steps.isf_advances import raise_isf_advances
from services.invoicing.steps.plan_runs import PlanRun, RunInProgress
from services.invoicing.steps.scheduled import raise_scheduled
from services.invoicing.steps.validation import SYSTEM

log = get_logger(__name__)
Raise = Callable[..., Awaitable[PlanRun]]


async def _every_round(runtime, what: str, starts: Callable[[date], list[date]], raise_run: Raise) -> None:
    """Each CAREPAY_INVOICING_SCHEDULE_EVERY_S seconds, a run of `raise_run` for each period start of the day."""
    every = config().schedule_every_s
    if every <= 0:
        log.info("periodic invoicing is off (CAREPAY_INVOICING_SCHEDULE_EVERY_S=0)", run=what)
        return
    while True:
        for start in starts(london_date(utcnow())):
            cause = Cause(f"{what.replace(' ', '-')}-{start}", None,
                          Actor(id=SYSTEM.id, role="system", reason=f"{what} for periods from {start}"))
            try:
                run = await raise_run(runtime.pool, runtime.outbox, cause, SYSTEM, start)
                log.info("invoices raised", run=what, period_start=str(start), raised=run.raised,
                         approved=run.approved, held=run.held)
            except RunInProgress:
                log.info("run skipped: another instance is running it", run=what, period_start=str(start))
            except Exception as exc:  # noqa: BLE001 - the next round tries again; never stop the task
                log.error("run failed; retrying next round", run=what, error=describe(exc))
        await asyncio.sleep(every)


def _last_complete_periods(today: date) -> list[date]:
    return sorted({last_complete_period(today, cycle, config().four_weekly_anchor).first for cycle in Cycle})


def _periods_to_advance(today: date) -> list[date]:
    return [p.first for p in periods_to_advance(today, config().isf_advance_days, config().four_weekly_anchor)]


async def scheduled_invoicing(runtime) -> None:
    """Periodic task: raise the scheduled invoices of the last complete week and four-weekly period."""
    await _every_round(runtime, "scheduled invoicing", _last_complete_periods, raise_scheduled)


async def isf_advancing(runtime) -> None:
    """Periodic task: raise the ISF advances of the previous and current four-weekly periods, and of the
    next once it starts within CAREPAY_INVOICING_ISF_ADVANCE_DAYS."""
    await _every_round(runtime, "isf advances", _periods_to_advance, raise_isf_advances)


JOBS = [scheduled_invoicing, isf_advancing]
