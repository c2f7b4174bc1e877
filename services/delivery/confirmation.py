"""Confirming a week's actuals for an agreement: exactly once, with every payable line and the
adjustments waiting from weeks confirmed before."""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts import delivery as contract
from services.delivery import metrics, store_periods
from shared.errors import IllegalState
from shared.events import Cause
from shared.outbox import Outbox


async def confirm_period(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, *, agreement_id: str,
                         person_ref: str, provider_id: str, week: date, by: str) -> contract.PeriodActualsConfirmed:
    """Confirm the week (its row locked first, so ingest and a second confirmation wait for this one)."""
    period = await store_periods.lock_period(conn, agreement_id, week, person_ref, provider_id)
    if period["confirmed_at"] is not None:
        raise IllegalState(f"the week of {week.isoformat()} for agreement {agreement_id} was confirmed "
                           f"({period['confirmed_by']}) at {period['confirmed_at']:%Y-%m-%d %H:%M} UTC; "
                           "later changes ride with the next week as adjustments")
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
        adjustments_pence=sum(a.amount_pence_delta for a in adjustments))
    await store_periods.mark_confirmed(conn, agreement_id, week, by, cause.actor.id, event.payable_minutes,
                                       event.amount_pence, event.adjustments_pence)
    await outbox.publish(conn, [event], cause)
    metrics.PERIODS_CONFIRMED.labels(by).inc()
    return event
