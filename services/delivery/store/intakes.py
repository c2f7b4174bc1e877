"""SQL: intakes (an HTTP batch or an uploaded file) and the claim of a file reference."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import asyncpg

# An intake not touched for this long was interrupted (crash, restart): the same file may resume it.
STALE_AFTER = timedelta(minutes=2)


class DuplicateFile(Exception):
    def __init__(self, reference: str, intake_id: str, received_at) -> None:
        super().__init__(f"file {reference!r} was already accepted on {received_at:%Y-%m-%d %H:%M} UTC "
                         f"(intake {intake_id}): send changes in a new file with its own reference")
        self.intake_id = intake_id


class FileInProgress(Exception):
    pass


async def claim(conn: asyncpg.Connection, intake_id: str, provider_id: str, source: str,
                file_reference: str | None, sent_by: str) -> tuple[str, int]:
    """(intake_id, rows already done). A file reference is accepted once per provider; a file whose
    earlier upload was interrupted resumes after the rows already committed."""
    created = await conn.fetchval(
        "INSERT INTO intakes (intake_id, provider_id, source, file_reference, sent_by) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (provider_id, file_reference) WHERE file_reference IS NOT NULL DO NOTHING RETURNING intake_id",
        intake_id, provider_id, source, file_reference, sent_by)
    if created:
        return intake_id, 0
    row = await conn.fetchrow(
        "SELECT intake_id, status, rows_done, created_at, now() - updated_at AS idle FROM intakes"
        " WHERE provider_id = $1 AND file_reference = $2 FOR UPDATE", provider_id, file_reference)
    if row["status"] == "complete":
        raise DuplicateFile(file_reference, row["intake_id"], row["created_at"])
    if row["idle"] < STALE_AFTER:
        raise FileInProgress(f"file {file_reference!r} is being processed now (intake {row['intake_id']}): "
                             "wait for that upload's report")
    await conn.execute("UPDATE intakes SET updated_at = now(), sent_by = $2 WHERE intake_id = $1",
                       row["intake_id"], sent_by)
    return row["intake_id"], row["rows_done"]


async def record_progress(conn: asyncpg.Connection, intake_id: str, rows_done: int, outcomes: Counter) -> None:
    await conn.execute(
        "UPDATE intakes SET rows_done = greatest(rows_done, $2), received = received + $3,"
        "   verified = verified + $4, unallocated = unallocated + $5, rejected = rejected + $6, updated_at = now()"
        " WHERE intake_id = $1",
        intake_id, rows_done, sum(outcomes.values()), outcomes["verified"], outcomes["unallocated"],
        outcomes["rejected"])


async def complete(conn: asyncpg.Connection, intake_id: str, file_error: str | None) -> asyncpg.Record:
    return await conn.fetchrow(
        "UPDATE intakes SET status = 'complete', file_error = $2, updated_at = now() WHERE intake_id = $1"
        " RETURNING provider_id, source, file_reference, received, verified, unallocated, rejected",
        intake_id, file_error)
