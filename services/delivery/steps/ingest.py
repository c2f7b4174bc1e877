"""The one pipeline every feed goes through (Kafka, HTTP batch, CSV, XML), a batch at a time, in the
caller's transaction: validated records → sorted (rejected / unallocated / matched) → verified against
what is stored → new revisions, every record received and the events written → metrics.

Per batch of up to 2,000 records: three small reads (agreement refresh, locked weeks, stored rows of the
touched visits) and COPYs for the writes; nothing is done per record against the database.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.delivery import metrics
from services.delivery.domain.known_agreements import AgreementBook
from services.delivery.domain.rejects import Problem
from services.delivery.domain.sorting import SortedBatch, sort_batch
from services.delivery.domain.validation import ValidatedBatch
from services.delivery.events import change_event_fields, rejected_event, unallocated_event
from services.delivery.steps.verify_arrivals import verify_arrivals
from services.delivery.store.agreements import BOOK, refresh
from services.delivery.store.visits import clean, raw_for_storage, save_attendances, save_changes, supersede_unallocated
from shared.clock import utcnow
from shared.gc_pause import cyclic_gc_paused
from shared.events import Cause
from shared.outbox import Outbox

_LOCATIONS = {"http": "record {}", "csv": "row {}", "xml": "carer record {}"}


@dataclass(frozen=True)
class Feed:
    """Where a batch came from. Kafka batches give each row's (record_id, location) in `places`."""

    source: str  # kafka | http | csv | xml
    intake_id: str
    provider_id: str | None = None  # the provider an HTTP batch or file is for (None on Kafka)
    file_reference: str | None = None
    places: Sequence[tuple[str, str]] | None = None

    def record_id(self, row: int) -> str:
        return self.places[row][0] if self.places is not None else f"{self.intake_id}.{row}"

    def location(self, row: int, line: int | None = None, path: str | None = None) -> str:
        if self.places is not None:
            return self.places[row][1]
        where = _LOCATIONS[self.source].format(row)
        return f"{where} (line {line}, {path})" if line is not None else where


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """Where one record ended, for the sender's report."""

    row: int
    record_id: str
    location: str
    outcome: str  # verified | unallocated | rejected
    provider_id: str | None
    visit_key: str | None = None
    reason: str | None = None
    field: str | None = None
    message: str | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    """What every batch needs: the agreements known to this instance, the outbox, and the cause."""

    book: AgreementBook
    outbox: Outbox


def pipeline_of(outbox: Outbox) -> Pipeline:
    """The pipeline of this process: its agreement book, and the service's outbox."""
    return Pipeline(BOOK, outbox)


async def ingest_batch(conn: asyncpg.Connection, pipeline: Pipeline, cause: Cause, feed: Feed,
                       batch: ValidatedBatch) -> list[RecordOutcome]:
    """Take one validated batch to the end, inside the caller's transaction; every record lands once."""
    # A batch's records, rows and events are thousands of small objects that live until it commits: the cyclic
    # collector stays paused meanwhile, so it does not rescan them (and the agreement book) during the batch.
    with cyclic_gc_paused():
        return await _ingest(conn, pipeline, cause, feed, batch)


async def _ingest(conn: asyncpg.Connection, pipeline: Pipeline, cause: Cause, feed: Feed,
                  batch: ValidatedBatch) -> list[RecordOutcome]:
    started = time.perf_counter()
    now = utcnow()
    await refresh(conn, pipeline.book)  # another instance may have consumed an agreement change
    sorted_ = sort_batch(batch, pipeline.book, feed_provider_id=feed.provider_id)
    matched = {key: (visit, [(feed.record_id(a.row), a.record, a.provider_id) for a in arrivals])
               for key, (visit, arrivals) in sorted_.matched.items()}
    held_keys = [(h.provider_id, h.record.visit_id, h.record.carer_id) for h in sorted_.held]
    changes = await verify_arrivals(conn, pipeline.book, matched, held_keys)
    await save_changes(conn, changes, now)
    arrival_keys = [(a.provider_id, a.record.visit_id, a.record.carer_id) for a in sorted_.arrivals]
    await supersede_unallocated(conn, arrival_keys + held_keys, feed.intake_id)
    outcomes, rows = _outcomes(feed, batch, sorted_, now)
    await save_attendances(conn, rows)
    events = change_event_fields(changes)
    events += [rejected_event(r, feed.record_id(r.reject.row), feed.source,
                              feed.location(r.reject.row, r.reject.line, r.reject.path)) for r in sorted_.refused]
    events += [unallocated_event(h, feed.record_id(h.row)) for h in sorted_.held]
    await pipeline.outbox.publish_fields(conn, events, cause)
    metrics.observe_outcomes(feed.source, (o.outcome for o in outcomes))
    metrics.observe_changes(changes)
    metrics.INGEST_BATCH_SECONDS.labels(feed.source).observe(time.perf_counter() - started)
    return outcomes


def _outcomes(feed: Feed, batch: ValidatedBatch, sorted_: SortedBatch, now) -> tuple[list[RecordOutcome], list[tuple]]:
    """Each record's outcome (by row) and its `attendances` row."""
    by_row: dict[int, RecordOutcome] = {}
    rows: list[tuple] = []

    def add(row, record, raw, outcome, provider_id, visit_key=None, reason=None, field=None, message=None,
            problems=(), line=None, path=None, resolution=None, resolution_reason=None):
        location = feed.location(row, line, path)
        record_id = feed.record_id(row)
        by_row[row] = RecordOutcome(row, record_id, location, outcome, provider_id, visit_key, reason, field,
                                    message, problems)
        r = record
        rows.append((
            record_id, feed.intake_id, feed.source, location, now, provider_id,
            *((r.provider_ref, r.service_user_ref, r.visit_id, r.carer_id,
               r.planned_start, r.planned_end, r.check_in, r.check_out, r.check_in_method.value,
               r.exception_code.value if r.exception_code else None, r.agreement_ref)
              if r is not None else (None,) * 11),
            raw_for_storage(raw) if r is None else None, outcome, visit_key, clean(reason), clean(field),
            clean(message), resolution,
            now if resolution else None, "system:delivery" if resolution else None, resolution_reason))

    for r in sorted_.refused:
        j = r.reject
        add(j.row, r.record, j.raw, "rejected", r.provider_id, reason=j.reason, field=j.field, message=j.message,
            problems=j.problems, line=j.line, path=j.path)
    for h in sorted_.held:
        add(h.row, h.record, None, "unallocated", h.provider_id, reason=h.reason, message=h.message)
    for key, (_, arrivals) in sorted_.matched.items():
        for a in arrivals:
            add(a.row, a.record, None, "verified", a.provider_id, visit_key=key)
    if sorted_.superseded:
        records = dict(zip(batch.rows, batch.records))
        for row, later in sorted_.superseded.items():
            final = by_row[later]
            note = f"corrected by {final.location} of the same batch"
            add(row, records[row], None, final.outcome, final.provider_id, visit_key=final.visit_key,
                reason=final.reason, message=note,
                resolution="superseded" if final.outcome == "unallocated" else None,
                resolution_reason=note if final.outcome == "unallocated" else None)
    return [by_row[row] for row in sorted(by_row)], rows
