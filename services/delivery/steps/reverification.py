"""Re-verifying a visit with the corrected times a query's resolution gave.

The corrected attendance replaces the carer's stored record and goes the way of any late ECM
correction (`verify_arrivals` → `save_changes`): VisitVerified with the next revision (an adjustment
when its week was already confirmed), and VisitCorrected echoing the query's ids — published even
when the pay did not change, because the query waits on it to close. What cannot be done (no
attendance stored, which carer is unclear, nothing would change) is answered with
VisitReverificationRefused and the reason, so the query shows why.
"""
from __future__ import annotations

import asyncpg

from contracts import delivery as contract
from contracts import queries
from services.delivery import metrics
from services.delivery.domain.reverification import Refusal, carer_to_correct, corrected_record
from services.delivery.domain.visit_changes import VisitChange
from services.delivery.events import answered
from services.delivery.steps.verify_arrivals import verify_arrivals
from services.delivery.store.agreements import BOOK, refresh
from services.delivery.store.records import record_of
from services.delivery.store.visits import load_visits, planned_visit_of, save_changes
from shared.clock import utcnow
from shared.events import Cause
from shared.outbox import Outbox


async def reverify_for_query(conn: asyncpg.Connection, request: queries.VisitReverificationRequested,
                             ) -> tuple[list[VisitChange], list[contract.DeliveryEvent]]:
    """Re-verify the visit in the caller's transaction; Refusal says why it cannot be done."""
    record_id = f"query:{request.query_id}:{request.effect_id}"
    rows = [r for r in await load_visits(conn, [request.visit_id], []) if not r["withdrawn"]]
    if any(r["record_id"] == record_id for r in rows):
        return [], []  # this effect was carried out already (the request repeated)
    carer = carer_to_correct([r["carer_id"] for r in rows], request.carer_id, request.visit_id)
    [row] = [r for r in rows if r["carer_id"] == carer]
    record = corrected_record(record_of(row, ("record_planned_start", "record_planned_end")),
                              request.corrected_check_in, request.corrected_check_out)
    visit = planned_visit_of(row)
    await refresh(conn, BOOK)  # another instance may have consumed an agreement change
    changes = await verify_arrivals(conn, BOOK, {visit.key: (visit, [(record_id, record, row["provider_id"])])})
    if not any(c.after.carer_id == carer for c in changes):
        raise Refusal(f"visit {request.visit_id} is already verified with these times for carer {carer}, or no "
                      "terms of its agreement are in force that day: nothing to re-verify")
    await save_changes(conn, changes, utcnow())
    return changes, answered(changes, carer, request)


async def answer_reverification(conn: asyncpg.Connection, outbox: Outbox, cause: Cause,
                                request: queries.VisitReverificationRequested) -> None:
    """Re-verify the visit, or refuse with the reason; either way the answer goes to the outbox."""
    try:
        changes, events = await reverify_for_query(conn, request)
    except Refusal as why:
        events, changes = [contract.VisitReverificationRefused(
            agreement_id=request.visit_id.split("/", 1)[0], visit_key=request.visit_id, query_id=request.query_id,
            effect_id=request.effect_id, reason=str(why))], []
    await outbox.publish(conn, events, cause)
    metrics.observe_changes(changes)
