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
from services.invoicing.domain.contributions import periods_to_charge
from services.invoicing.domain.isf_advances import periods_to_advance
from services.invoicing.domain.periods import last_complete_period, period_starting
from services.invoicing.steps import contributions as contribution_steps
from services.invoicing.steps.isf_advances import raise_isf_advances
from services.invoicing.steps.plan_runs import PlanRun, RunInProgress
from services.invoicing.steps.scheduled import raise_scheduled
from services.invoicing.steps.validation import SYSTEM

log = get_logger(__name__)
Raise = Callable[..., Awaitable[PlanRun]]
RunOne = Callable[[object, Cause, date], Awaitable[dict]]


async def _every_round(runtime, what: str, starts: Callable[[date], list[date]], run_one: RunOne) -> None:
    """Each CAREPAY_INVOICING_SCHEDULE_EVERY_S seconds, `run_one` for each period start of the day; a failure
    is logged and tried again next round, never stopping the task."""
    every = config().schedule_every_s
    if every <= 0:
        log.info("periodic invoicing is off (CAREPAY_INVOICING_SCHEDULE_EVERY_S=0)", run=what)
        return
    while True:
        for start in starts(london_date(utcnow())):
            cause = Cause(f"{what.replace(' ', '-')}-{start}", None,
                          Actor(id=SYSTEM.id, role="system", reason=f"{what} for periods from {start}"))
            try:
                log.info("periodic run done", run=what, period_start=str(start),
                         **await run_one(runtime, cause, start))
            except RunInProgress:
                log.info("run skipped: another instance is running it", run=what, period_start=str(start))
            except Exception as exc:  # noqa: BLE001 - the next round tries again; never stop the task
                log.error("run failed; retrying next round", run=what, error=describe(exc))
        await asyncio.sleep(every)


def _invoices(raise_run: Raise) -> RunOne:
    async def run_one(runtime, cause: Cause, start: date) -> dict:
        run = await raise_run(runtime.pool, runtime.outbox, cause, SYSTEM, start)
        return {"raised": run.raised, "approved": run.approved, "held": run.held}
    return run_one


async def _charge(runtime, cause: Cause, start: date) -> dict:
    period = period_starting(start, Cycle.FOUR_WEEKLY, config().four_weekly_anchor)
    run = await contribution_steps.charge_period(runtime.pool, runtime.outbox, cause, SYSTEM, period)
    return {"people": run.people, "changed": run.changed, "total_change_pence": run.total_change_pence}


def _last_complete_periods(today: date) -> list[date]:
    return sorted({last_complete_period(today, cycle, config().four_weekly_anchor).first for cycle in Cycle})


def _periods_to_advance(today: date) -> list[date]:
    return [p.first for p in periods_to_advance(today, config().isf_advance_days, config().four_weekly_anchor)]


def _periods_to_charge(today: date) -> list[date]:
    settings = config()
    return [p.first for p in periods_to_charge(today, settings.contribution_charge_after_days,
                                               settings.four_weekly_anchor)]


async def scheduled_invoicing(runtime) -> None:
    """Periodic task: raise the scheduled invoices of the last complete week and four-weekly period."""
    await _every_round(runtime, "scheduled invoicing", _last_complete_periods, _invoices(raise_scheduled))


async def isf_advancing(runtime) -> None:
    """Periodic task: raise the ISF advances of the previous and current four-weekly periods, and of the
    next once it starts within CAREPAY_INVOICING_ISF_ADVANCE_DAYS."""
    await _every_round(runtime, "isf advances", _periods_to_advance, _invoices(raise_isf_advances))


async def contribution_charging(runtime) -> None:
    """Periodic task: charge contributions for the last three four-weekly periods over for at least
    CAREPAY_INVOICING_CONTRIBUTION_CHARGE_AFTER_DAYS days, so what changed since (a reassessment, care
    delivered corrected, a death told late) is charged again."""
    await _every_round(runtime, "contribution charging", _periods_to_charge, _charge)


JOBS = [scheduled_invoicing, isf_advancing, contribution_charging]
