"""invoicing's periodic work: `JOBS`, each `async def work(runtime)` run by the service from start
to shutdown (`create_service(background=JOBS)`)."""
from __future__ import annotations

import asyncio

from contracts.common import Cycle
from contracts.envelope import Actor
from shared.clock import london_date, utcnow
from shared.events import Cause
from shared.logging import get_logger
from shared.redaction import describe
from services.invoicing.config import config
from services.invoicing.domain.periods import last_complete_period
from services.invoicing.steps.scheduled import RunInProgress, raise_scheduled
from services.invoicing.steps.validation import SYSTEM

log = get_logger(__name__)


async def scheduled_invoicing(runtime) -> None:
    """Periodic task: raise the scheduled invoices of the last complete week and four-weekly period."""
    every = config().schedule_every_s
    if every <= 0:
        log.info("scheduled invoicing is off (CAREPAY_INVOICING_SCHEDULE_EVERY_S=0)")
        return
    while True:
        today = london_date(utcnow())
        starts = sorted({last_complete_period(today, cycle, config().four_weekly_anchor).first for cycle in Cycle})
        for start in starts:
            cause = Cause(f"scheduled-run-{start}", None, Actor(id=SYSTEM.id, role="system",
                                                                reason=f"scheduled invoices for periods from {start}"))
            try:
                run = await raise_scheduled(runtime.pool, runtime.outbox, cause, SYSTEM, start)
                log.info("scheduled invoices raised", period_start=str(start), raised=run.raised,
                         approved=run.approved, held=run.held)
            except RunInProgress:
                log.info("scheduled run skipped: another instance is running it", period_start=str(start))
            except Exception as exc:  # noqa: BLE001 - the next round tries again; never stop the task
                log.error("scheduled invoicing failed; retrying next round", error=describe(exc))
        await asyncio.sleep(every)


JOBS = [scheduled_invoicing]
