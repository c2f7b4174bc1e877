"""An HTTP batch or an uploaded file, taken through the pipeline one transaction per batch.

A file of any size is processed in batches of up to 2,000 rows, each committed with the intake's
progress, so memory stays bounded and an interrupted upload of the same file resumes where it
stopped. The report lists every record's outcome (HTTP) or every bad row (files; the first
`MAX_LISTED` inline, all of them through GET /visits/rejected?intake_id=...). An HTTP batch is
bounded (api.feeds.MAX_BATCH_RECORDS), so its report lists every record.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg

from services.delivery.domain.validation import ValidatedBatch
from services.delivery.events import received_event
from services.delivery.steps.ingest import Feed, Pipeline, RecordOutcome, ingest_batch
from services.delivery.store import intakes as store_intakes
from shared.events import Cause

MAX_LISTED = 10_000
_RETRYABLE = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)


def new_intake_id() -> str:
    return f"INT-{uuid.uuid4().hex[:12].upper()}"


@dataclass
class IntakeRun:
    pool: asyncpg.Pool
    pipeline: Pipeline
    cause: Cause
    feed: Feed
    sent_by: str
    keep_every_outcome: bool = False  # HTTP batches report every record; files only the bad rows
    counts: Counter = field(default_factory=Counter)
    listed: list[RecordOutcome] = field(default_factory=list)
    resume_after: int = 0

    async def claim(self) -> None:
        """Record the intake; a file reference already accepted raises DuplicateFile."""
        async with self.pool.acquire() as conn, conn.transaction():
            intake_id, self.resume_after = await store_intakes.claim(
                conn, self.feed.intake_id, self.feed.provider_id, self.feed.source, self.feed.file_reference,
                self.sent_by)
        if intake_id != self.feed.intake_id:  # resuming an interrupted upload of the same file
            self.feed = Feed(self.feed.source, intake_id, self.feed.provider_id, self.feed.file_reference)

    async def process(self, batch: ValidatedBatch) -> None:
        """One batch in one transaction (retried when Postgres picks it as a deadlock victim)."""
        if not batch.rows and not batch.rejects:
            return
        last_row = max([*batch.rows, *(r.row for r in batch.rejects)])
        for attempt in range(3):
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    outcomes = await ingest_batch(conn, self.pipeline, self.cause, self.feed, batch)
                    found = Counter(o.outcome for o in outcomes)
                    await store_intakes.record_progress(conn, self.feed.intake_id, last_row, found)
                break
            except _RETRYABLE:
                if attempt == 2:
                    raise
        self.counts.update(found)
        for o in outcomes:
            if self.keep_every_outcome or (o.outcome == "rejected" and len(self.listed) < MAX_LISTED):
                self.listed.append(o)

    async def finish(self, file_error: str | None = None) -> dict:
        """Close the intake and publish what it received (totals include a resumed earlier part)."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await store_intakes.complete(conn, self.feed.intake_id, file_error)
            counts = {k: row[k] for k in ("verified", "unallocated", "rejected")}
            await self.pipeline.outbox.publish(conn, [received_event(
                self.feed.intake_id, self.feed.source, row["provider_id"], counts, self.feed.file_reference)],
                self.cause)
        return {"intake_id": self.feed.intake_id, "file_reference": self.feed.file_reference,
                "received": row["received"], "verified": row["verified"], "unallocated": row["unallocated"],
                "rejected": row["rejected"], "resumed_after_row": self.resume_after or None,
                "file_error": file_error}
