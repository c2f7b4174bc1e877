"""Confirming a week's actuals for an agreement: exactly once, with every payable line, every planned
visit's outcome (domain/planned_outcomes.py) and the adjustments waiting from weeks confirmed before. By the provider or an officer (HTTP), or
automatically once the week is past its cut-off and quiet (one instance at a time: an advisory lock)."""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts import delivery as contract
from contracts.envelope import Actor
from services.delivery import metrics
from services.delivery.domain.known_agreements import KnownAgreement
from services.delivery.domain.periods import ConfirmPolicy
from services.delivery.domain.planned_outcomes import planned_outcomes
from services.delivery.events import planned_visit_outcomes
from services.delivery.store import jobs as store_jobs, periods as store_periods
from services.delivery.store.agreements import BOOK, refresh
from shared.clock import utcnow
from shared.errors import IllegalState
from shared.events import Cause
from shared.outbox import Outbox

SYSTEM = Actor(id="system:delivery", role="system")
_CONFIRM_CHUNK = 100


def _cause(job: str) -> Cause:
    return Cause(correlation_id=f"delivery-job:{job}:{utcnow():%Y%m%dT%H%M%S}", causation_id=None, actor=SYSTEM)


async def _planned(conn: asyncpg.Connection, agreement: KnownAgreement | None, agreement_id: str,
                   week: date) -> list[contract.PlannedVisitOutcome]:
    """Every planned visit of the week with its outcome now (domain/planned_outcomes.py)."""
    records = await store_periods.carer_records(conn, agreement_id, week)
    schedule = agreement.schedule if agreement is not None and agreement.pays_on_actuals else None
    return planned_visit_outcomes(planned_outcomes(schedule, week, records))


async def confirm_period(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, *, agreement_id: str,
                         person_ref: str, provider_id: str, week: date, by: str,
                         agreement: KnownAgreement | None) -> contract.PeriodActualsConfirmed:
    """Confirm the week (its row locked first, so ingest and a second confirmation wait for this one).
    `agreement` (delivery's view, refreshed) gives the schedule the week's planned visits come from."""
    period = await store_periods.lock_period(conn, agreement_id, week, person_ref, provider_id)
    if period["confirmed_at"] is not None:
        raise IllegalState(f"the week of {week.isoformat()} for agreement {agreement_id} was confirmed "
                           f"({period['confirmed_by']}) at {period['confirmed_at']:%Y-%m-%d %H:%M} UTC; "
                           "later changes ride with the next week as adjustments", code="already_confirmed")
    lines = [contract.ActualsLine(visit_key=r["visit_key"], visit_id=r["visit_id"], carer_id=r["carer_id"],
                                  local_date=r["local_date"], payable_minutes=r["payable_minutes"],
                                  rate_pence_per_hour=r["rate_pence_per_hour"], amount_pence=r["amount_pence"],
                                  revision=r["revision"])
             for r in await store_periods.lines(conn, agreement_id, week) if r["amount_pence"] > 0]
    adjustments = [contract.ActualsAdjustment(visit_key=a["visit_key"], carer_id=a["carer_id"],
                                              week_start=a["week_start"], amount_pence_delta=a["amount_pence_delta"],
                                              revision=a["revision"])
                   for a in await store_periods.take_pending_adjustments(conn, agreement_id, week)]
    event = contract.PeriodActualsConfirmed(
        agreement_id=agreement_id, person_ref=person_ref, provider_id=provider_id, week_start=week, confirmed_by=by,
        lines=lines, adjustments=adjustments, payable_minutes=sum(line.payable_minutes for line in lines),
        amount_pence=sum(line.amount_pence for line in lines),
        adjustments_pence=sum(a.amount_pence_delta for a in adjustments),
        planned=await _planned(conn, agreement, agreement_id, week))
    await store_periods.mark_confirmed(conn, agreement_id, week, by, cause.actor.id, event.payable_minutes,
                                       event.amount_pence, event.adjustments_pence)
    await outbox.publish(conn, [event], cause)
    metrics.PERIODS_CONFIRMED.labels(by).inc()
    return event


async def auto_confirm_periods(pool: asyncpg.Pool, outbox: Outbox, policy: ConfirmPolicy) -> int:
    """Confirm every week past its cut-off and quiet for `policy.settle`, a chunk per transaction; how many."""
    latest = policy.latest_due_week(utcnow())
    confirmed = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            if not await store_jobs.lead(conn, "auto-confirm"):
                return confirmed
            due = await store_periods.due_periods(conn, latest, policy.settle, _CONFIRM_CHUNK)
            await refresh(conn, BOOK)
            for p in due:
                try:
                    await confirm_period(conn, outbox, _cause("auto-confirm"), agreement_id=p["agreement_id"],
                                         person_ref=p["person_ref"], provider_id=p["provider_id"],
                                         week=p["week_start"], by="auto",
                                         agreement=BOOK.agreements.get(p["agreement_id"]))
                    confirmed += 1
                except IllegalState:
                    pass  # confirmed by the provider meanwhile
        if len(due) < _CONFIRM_CHUNK:
            return confirmed
