"""SQL for the files of an exported run (table run_files): each with its SHA-256 and the control
total read back from it (`domain.files.stored.files_of`).

Stored once, in the export's transaction; the database refuses a file whose control total is not
the run's (or its payment's) total (see run_files in 0002_payment_runs.sql).
"""
from __future__ import annotations

import asyncpg

from services.payments.domain.files.stored import StoredFile

COLUMNS = ("run_id", "name", "kind", "payee_id", "media_type", "content", "size_bytes", "sha256", "control_total_pence",
           "run_total_pence", "payment_reference", "payment_total_pence")
MEDIA_TYPES = {"bacs": "text/plain; charset=us-ascii", "pain001": "application/xml", "journal": "text/csv",
               "remittance_csv": "text/csv", "remittance_html": "text/html; charset=utf-8"}


async def store(conn: asyncpg.Connection, run_id: str, run_total: int, files: list[StoredFile],
                amounts: dict[str, int]) -> None:
    """`amounts`: payment reference -> the payment's amount, which its remittance total must equal."""
    records = [(run_id, f.name, f.kind, f.payee_id, MEDIA_TYPES[f.kind], f.content, len(f.content), f.sha256,
                f.control_total_pence,
                None if f.payment_reference else run_total, f.payment_reference,
                amounts.get(f.payment_reference) if f.payment_reference else None) for f in files]
    await conn.copy_records_to_table("run_files", records=records, columns=COLUMNS)


async def checksums(conn: asyncpg.Connection, run_id: str) -> dict[str, str]:
    """name -> sha256 of every stored file of the run (empty before its first export)."""
    rows = await conn.fetch("SELECT name, sha256 FROM run_files WHERE run_id = $1 ORDER BY name", run_id)
    return {r["name"]: r["sha256"] for r in rows}


async def listing(conn: asyncpg.Connection, run_id: str, after_name: str | None,
                  limit: int | None) -> list[asyncpg.Record]:
    """The run's files by name: those after `after_name` (the last of the page before), at most `limit`
    (None: all)."""
    return await conn.fetch("SELECT name, kind, payee_id, media_type, sha256, size_bytes, control_total_pence,"
                            " created_at FROM run_files WHERE run_id = $1 AND ($2::text IS NULL OR name > $2)"
                            " ORDER BY name LIMIT $3", run_id, after_name, limit)


async def run_exists(conn: asyncpg.Connection, run_id: str) -> bool:
    return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM payment_runs WHERE run_id = $1)", run_id)


async def content(conn: asyncpg.Connection, run_id: str, name: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT name, kind, payee_id, media_type, content, sha256 FROM run_files"
                               " WHERE run_id = $1 AND name = $2", run_id, name)
