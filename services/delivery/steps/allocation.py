"""An officer's decision on an unallocated record: allocate it to a planned visit of an agreement
(it is then verified like any matched record) or reject it with a reason. Either way it leaves the
backlog, and UnallocatedVisitResolved says what was decided and by whom."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from contracts import delivery as contract
from services.delivery import metrics
from services.delivery.domain.known_agreements import KnownAgreement
from services.delivery.domain.matching import PlannedVisit
from services.delivery.domain.visit_changes import VisitChange
from services.delivery.events import change_events
from services.delivery.steps.ingest import Pipeline
from services.delivery.steps.verify_arrivals import verify_arrivals
from services.delivery.store import records as store_records
from services.delivery.store.visits import save_changes
from shared.clock import LONDON, london_date, utcnow
from shared.errors import IllegalState
from shared.events import Cause


def planned_visit_at(pipeline: Pipeline, agreement: KnownAgreement, planned_start: datetime) -> PlannedVisit:
    """The agreement's planned visit starting at `planned_start`; else IllegalState (409: the agreement's plan
    or rates as they stand refuse it) naming the day's visits."""
    day = london_date(planned_start)
    visits = pipeline.book.planned_on(agreement.agreement_id, day)
    for visit in visits:
        if visit.planned_start == planned_start:
            terms = agreement.terms_on(day)
            try:
                terms.terms.rate_on(day, visit.local_start)  # type: ignore[union-attr]
            except (LookupError, AttributeError):
                raise IllegalState(f"agreement {agreement.agreement_id} has no hourly rate for that visit: vary the "
                                   "agreement first", code="no_hourly_rate", field="agreement_id") from None
            return visit
    starts = ", ".join(f"{v.planned_start.astimezone(LONDON):%H:%M}" for v in visits) or "none"
    raise IllegalState(f"agreement {agreement.agreement_id} plans no visit at "
                       f"{planned_start.astimezone(LONDON):%Y-%m-%d %H:%M} London time (that day: {starts})",
                       code="no_planned_visit", field="planned_start")


async def allocate(conn: asyncpg.Connection, pipeline: Pipeline, cause: Cause, row: asyncpg.Record,
                   agreement: KnownAgreement, visit: PlannedVisit, reason: str | None) -> list[VisitChange]:
    """Verify the unallocated record at `visit` and close it as allocated."""
    _still_open(row)
    if agreement.provider_id != row["provider_id"]:
        raise IllegalState(f"agreement {agreement.agreement_id} is with another provider than the record's: "
                           "allocate it to an agreement of its own provider", code="another_providers_agreement",
                           field="agreement_id")
    record = store_records.record_of(row)
    matched = {visit.key: (visit, [(row["record_id"], record, row["provider_id"])])}
    changes = await verify_arrivals(conn, pipeline.book, matched)
    await save_changes(conn, changes, utcnow())
    await store_records.resolve(conn, row["record_id"], "allocated", cause.actor.id, reason, visit.key)
    events = change_events(changes)
    events.append(contract.UnallocatedVisitResolved(
        provider_id=row["provider_id"], record_id=row["record_id"], outcome="allocated",
        agreement_id=agreement.agreement_id, reason=reason))
    await pipeline.outbox.publish(conn, events, cause)
    metrics.observe_changes(changes)
    return changes


async def reject(conn: asyncpg.Connection, pipeline: Pipeline, cause: Cause, row: asyncpg.Record, reason: str) -> None:
    """Close the unallocated record as rejected: it is never paid."""
    _still_open(row)
    await store_records.resolve(conn, row["record_id"], "rejected", cause.actor.id, reason)
    await pipeline.outbox.publish(conn, [contract.UnallocatedVisitResolved(
        provider_id=row["provider_id"], record_id=row["record_id"], outcome="rejected", reason=reason)], cause)


def _still_open(row: asyncpg.Record) -> None:
    if row["resolution"] is not None:
        raise IllegalState(f"record {row['record_id']} was already {row['resolution']} "
                           f"by {row['resolved_by']} at {row['resolved_at']:%Y-%m-%d %H:%M} UTC",
                           code="already_decided")
