"""delivery.events -> delivered spend and visit quality."""
from __future__ import annotations

import asyncpg

from contracts import delivery as contract
from contracts.envelope import Envelope
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.dims import AgreementDim
from services.reporting.domain.visits import attendance_contributions, missed, missed_contributions, verified
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.store import dims as store_dims, facts as store_facts


async def apply(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    events = [e.payload for e in envelopes]
    dims = await store_dims.lock(conn, [AgreementDim(e.agreement_id, e.person_ref, e.provider_id) for e in events])
    visits = [e for e in events if isinstance(e, contract.VisitVerified)]
    misses = [e for e in events if isinstance(e, contract.VisitMissed)]
    held = await store_facts.attendances(conn, [(e.visit_key, e.carer_id) for e in visits])
    after = dict(held)
    for event in visits:
        key = (event.visit_key, event.carer_id)
        after[key] = verified(after.get(key), event) or after[key]
    changed = deltas.track(held, after, lambda a: attendance_contributions(a, dims[a.agreement_id].dims) if a else [])
    await store_facts.save_attendances(conn, changed.values())

    held_missed = await store_facts.missed_visits(conn, [e.visit_key for e in misses])
    changed_missed = deltas.track(held_missed, held_missed | {e.visit_key: missed(e) for e in misses},
                                  lambda m: missed_contributions(m, dims[m.agreement_id].dims) if m else [])
    await store_facts.save_missed_visits(conn, changed_missed.values())


DELIVERY = batch_consumer(
    "reporting.delivery", contract.TOPIC, [contract.VisitVerified, contract.VisitMissed], apply,
    "Verified visits (latest revision per visit and carer) and missed visits: delivered spend and visit quality.",
    gather_ms=250)  # the delivery stream: a few large batches a second, not dozens
