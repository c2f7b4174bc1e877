"""queries.events in: re-verify a visit with the corrected times a query's resolution gave.

The corrected attendance replaces the carer's stored record and goes the way of any late ECM
correction (`verify_arrivals` → `save_changes`): VisitVerified with the next revision (an adjustment
when its week was already confirmed), and VisitCorrected echoing the query's ids — published even
when the pay did not change, because the query waits on it to close. What cannot be done (no
attendance stored, which carer is unclear, nothing would change) is answered with
VisitReverificationRefused and the reason, so the query shows why.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from contracts import delivery as contract
from contracts import queries
from contracts.envelope import Actor
from services.delivery import metrics
from services.delivery.attendance import AttendanceRecord, CheckInMethod
from services.delivery.publishing import change_events
from services.delivery.state import BOOK
from services.delivery.store_agreements import refresh
from services.delivery.store_records import record_of
from services.delivery.store_visits import load_visits, planned_visit_of, save_changes
from services.delivery.verifying import verify_arrivals
from services.delivery.visit_changes import VisitChange
from shared.clock import utcnow
from shared.consumer import Consumer, Incoming
from shared.events import Cause

SYSTEM = Actor(id="system:delivery", role="system")


class Refusal(Exception):
    """Why a requested re-verification cannot be done (published, not raised to the consumer)."""


def carer_to_correct(carers: Sequence[str], asked: str | None, visit_key: str) -> str:
    """The carer whose attendance the query corrects: the one named, or the visit's only carer."""
    if not carers:
        raise Refusal(f"no attendance is recorded for visit {visit_key} (a missed visit has none): the provider "
                      "sends the carer's record through its feed, or an officer allocates an unallocated one")
    if asked is not None:
        if asked not in carers:
            raise Refusal(f"carer {asked} has no attendance at visit {visit_key} (carers: {', '.join(carers)})")
        return asked
    if len(carers) > 1:
        raise Refusal(f"visit {visit_key} has {len(carers)} carers ({', '.join(carers)}): name the carer whose "
                      "times are corrected")
    return carers[0]


def corrected_record(stored: AttendanceRecord, check_in: datetime, check_out: datetime) -> AttendanceRecord:
    """The carer's record with the times an officer established: a manual entry, no exception code
    (the carer attended between these times)."""
    return stored.model_copy(update={"check_in": check_in, "check_out": check_out,
                                     "check_in_method": CheckInMethod.MANUAL, "exception_code": None})


def answered(changes: Sequence[VisitChange], carer: str, request: queries.VisitReverificationRequested,
             ) -> list[contract.DeliveryEvent]:
    """The change's events, with the carer's VisitCorrected carrying the query's ids (made when the pay
    did not change, right after that carer's VisitVerified)."""
    ids = {"query_id": request.query_id, "effect_id": request.effect_id}
    out: list[contract.DeliveryEvent] = []
    for event in change_events(changes):
        if isinstance(event, contract.VisitCorrected) and event.carer_id == carer:
            continue  # replaced below, with the query's ids
        out.append(event)
        if isinstance(event, contract.VisitVerified) and event.carer_id == carer:
            [change] = [c for c in changes if c.after.carer_id == carer]
            a = change.after
            out.append(contract.VisitCorrected(
                agreement_id=a.agreement_id, person_ref=a.service_user_ref, provider_id=a.provider_ref,
                visit_key=a.visit_key, carer_id=carer, revision=change.revision, week_start=a.week,
                payable_minutes_before=change.minutes_before, payable_minutes_after=a.payable_minutes,
                amount_pence_before=change.amount_before, amount_pence_after=a.amount_pence,
                amount_pence_delta=change.amount_delta, week_already_confirmed=change.week_confirmed, **ids))
    return out


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


async def on_reverification_requested(conn: asyncpg.Connection, message: Incoming) -> None:
    request: queries.VisitReverificationRequested = message.event  # type: ignore[assignment]
    cause = Cause.from_envelope(message.envelope, SYSTEM)
    try:
        changes, events = await reverify_for_query(conn, request)
    except Refusal as why:
        events, changes = [contract.VisitReverificationRefused(
            agreement_id=request.visit_id.split("/", 1)[0], visit_key=request.visit_id, query_id=request.query_id,
            effect_id=request.effect_id, reason=str(why))], []
    await QUERIES.runtime.outbox.publish(conn, events, cause)
    metrics.observe_changes(changes)


QUERIES = Consumer(
    name="delivery.queries",
    topic=queries.TOPIC,
    handlers={queries.VisitReverificationRequested: on_reverification_requested},
    description="Re-verifications a query's resolution asked for: the visit is verified again with the corrected "
                "times (VisitVerified next revision, VisitCorrected echoing the query's ids), or refused with why.",
)
