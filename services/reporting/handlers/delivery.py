"""delivery.events -> delivered spend and visit quality, and the weeks confirmed (for accruals).

Missed visits come from the live alerts (VisitMissed) and from confirmed weeks (every planned visit
of PeriodActualsConfirmed with its outcome): one fact per visit_key, however many said it. Each
confirmed agreement-week is kept once, so accruals can tell delivered and confirmed care apart."""
from __future__ import annotations

import asyncpg

from contracts import delivery as contract
from contracts.envelope import Envelope
from shared.clock import london_date
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.dims import AgreementDim
from services.reporting.domain.visits import (MissedVisit, attendance_contributions, confirmed_outcomes, heard_missed,
                                              missed, missed_contributions, verified)
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.store import accruals as store_accruals, dims as store_dims, facts as store_facts


async def apply(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    events = [e.payload for e in envelopes]
    dims = await store_dims.lock(conn, [AgreementDim(e.agreement_id, e.person_ref, e.provider_id) for e in events])
    visits = [e for e in events if isinstance(e, contract.VisitVerified)]
    held = await store_facts.attendances(conn, [(e.visit_key, e.carer_id) for e in visits])
    after = dict(held)
    for event in visits:
        key = (event.visit_key, event.carer_id)
        after[key] = verified(after.get(key), event) or after[key]
    changed = deltas.track(held, after, lambda a: attendance_contributions(a, dims[a.agreement_id].dims) if a else [])
    await store_facts.save_attendances(conn, changed.values())
    await _missed(conn, events, dims, deltas)
    await store_accruals.save_confirmed_weeks(conn, [
        (e.payload.agreement_id, e.payload.week_start, london_date(e.occurred_at)) for e in envelopes
        if isinstance(e.payload, contract.PeriodActualsConfirmed)])


async def _missed(conn: asyncpg.Connection, events: list, dims: dict[str, AgreementDim], deltas: Deltas) -> None:
    told: list[MissedVisit] = []
    for event in events:
        if isinstance(event, contract.VisitMissed):
            told.append(missed(event))
        elif isinstance(event, contract.PeriodActualsConfirmed):
            told += confirmed_outcomes(event)
    if not told:
        return
    held = await store_facts.missed_visits(conn, [m.visit_key for m in told])
    after: dict[str, MissedVisit | None] = dict(held)
    for visit in told:
        after[visit.visit_key] = heard_missed(after.get(visit.visit_key), visit)
    changed = deltas.track(held, after, lambda m: missed_contributions(m, dims[m.agreement_id].dims) if m else [])
    await store_facts.save_missed_visits(conn, [m for m in changed.values() if m is not None])
    await store_facts.forget_missed_visits(conn, [k for k, m in changed.items() if m is None])


DELIVERY = batch_consumer(
    "reporting.delivery", contract.TOPIC, [contract.VisitVerified, contract.VisitMissed,
                                           contract.PeriodActualsConfirmed], apply,
    "Verified visits (latest revision per visit and carer), missed visits (live alerts and confirmed weeks): "
    "delivered spend and visit quality.",
    gather_ms=250)  # the delivery stream: a few large batches a second, not dozens
