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
from services.invoicing.domain.contributions import periods_to_charge
from services.invoicing.domain.periods import last_complete_period
from services.invoicing.steps import contributions as contribution_steps
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


async def contribution_charging(runtime) -> None:
    """Periodic task (every CAREPAY_INVOICING_SCHEDULE_EVERY_S seconds): charge contributions for the last
    three four-weekly periods over for at least CAREPAY_INVOICING_CONTRIBUTION_CHARGE_AFTER_DAYS days, so
    what changed since (a reassessment, care delivered corrected, a death told late) is charged again."""
    every = config().schedule_every_s
    if every <= 0:
        log.info("contribution charging is off (CAREPAY_INVOICING_SCHEDULE_EVERY_S=0)")
        return
    while True:
        settings = config()
        for period in periods_to_charge(london_date(utcnow()), settings.contribution_charge_after_days,
                                        settings.four_weekly_anchor):
            cause = Cause(f"contribution-run-{period.first}", None, Actor(
                id=SYSTEM.id, role="system", reason=f"contributions charged for {period}"))
            try:
                run = await contribution_steps.charge_period(runtime.pool, runtime.outbox, cause, SYSTEM, period)
                log.info("contributions charged", period_start=str(period.first), people=run.people,
                         changed=run.changed, total_change_pence=run.total_change_pence)
            except contribution_steps.RunInProgress:
                log.info("contribution run skipped: another is running", period_start=str(period.first))
            except Exception as exc:  # noqa: BLE001 - the next round tries again; never stop the task
                log.error("contribution charging failed; retrying next round", error=describe(exc))
        await asyncio.sleep(every)


JOBS = [scheduled_invoicing, contribution_charging]
