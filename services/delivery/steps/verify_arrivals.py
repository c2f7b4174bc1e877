"""Verifying the records a batch matched, against what is already stored: the batch's one read.

The agreement-weeks are locked first (so confirmation cannot slip between), then every stored carer
row of the touched visits is loaded in one query. Visits a corrected record moved away from are
re-verified too, without that carer. The result is the list of changes (new revisions) to write.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import asyncpg

from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.known_agreements import AgreementBook
from services.delivery.domain.matching import PlannedVisit
from services.delivery.domain.verification import week_of
from services.delivery.domain.visit_changes import AttendanceKey, StoredVisit, VisitChange, departures, reverify
from services.delivery.store.visits import load_visits, lock_periods, planned_visit_of, stored_visit

# visit key -> (planned visit, [(record_id, record, provider_id)] in arrival order)
Matched = Mapping[str, tuple[PlannedVisit, Sequence[tuple[str, AttendanceRecord, str]]]]


async def verify_arrivals(conn: asyncpg.Connection, book: AgreementBook, matched: Matched,
                          unallocated: Sequence[AttendanceKey] = ()) -> list[VisitChange]:
    """The new revisions caused by `matched` records, and by `unallocated` ones whose attendance was
    verified at some visit before (their earlier verification is withdrawn)."""
    if not matched and not unallocated:
        return []
    visits = {key: visit for key, (visit, _) in matched.items()}
    destinations: dict[AttendanceKey, str | None] = {
        (provider_id, record.visit_id, record.carer_id): key
        for key, (_, arrivals) in matched.items() for _, record, provider_id in arrivals}
    destinations.update({key: None for key in unallocated})
    confirmed = await lock_periods(conn, visits.values())
    rows = await load_visits(conn, list(visits), list(destinations))
    stored: dict[str, list[StoredVisit]] = defaultdict(list)
    for row in rows:
        stored[row["visit_key"]].append(stored_visit(row))
    leaving = departures((s for group in stored.values() for s in group), destinations)
    moved_from = {row["visit_key"]: planned_visit_of(row) for row in rows
                  if row["visit_key"] in leaving and row["visit_key"] not in visits}
    if moved_from:  # rare: a correction moved a carer to another visit, maybe another week
        confirmed |= await lock_periods(conn, moved_from.values())
        visits.update(moved_from)
    changes: list[VisitChange] = []
    for key, visit in visits.items():
        agreement = book.agreements.get(visit.agreement_id)
        in_force = agreement.terms_on(visit.local_date) if agreement else None
        arrivals = [(record_id, record) for record_id, record, _ in matched[key][1]] if key in matched else []
        week_confirmed = (visit.agreement_id, week_of(visit.local_date)) in confirmed
        # Without terms for that day (the agreement changed since) only the carers who left are withdrawn.
        terms = in_force.terms if in_force else None
        changes += reverify(visit, stored.get(key, []), arrivals if terms else [], terms,
                            leaving=leaving.get(key, set()), week_confirmed=week_confirmed)
    return changes
