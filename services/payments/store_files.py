"""The files of an exported run: each with its SHA-256 and the control total read back from it.

Stored once, in the export's transaction; the database refuses a file whose control total is not
the run's (or its payment's) total (see run_files in 0002_payment_runs.sql).
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

import asyncpg

from shared.money import pounds_to_pence
from services.payments.files.bacs_standard18 import read_bacs_summary
from services.payments.files.export import RunFiles
from services.payments.files.pain001 import read_pain001_totals

COLUMNS = ("run_id", "name", "kind", "payee_id", "media_type", "content", "size_bytes", "sha256", "control_total_pence",
           "run_total_pence", "payment_reference", "payment_total_pence")
MEDIA_TYPES = {"bacs": "text/plain; charset=us-ascii", "pain001": "application/xml", "journal": "text/csv",
               "remittance_csv": "text/csv", "remittance_html": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class StoredFile:
    name: str
    kind: str
    content: bytes
    control_total_pence: int
    payee_id: str | None = None
    payment_reference: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _last_amount(text: str, column: int) -> int:
    rows = list(csv.reader(io.StringIO(text)))
    return pounds_to_pence(rows[-1][column] or "0") if len(rows) > 1 else 0


def files_of(run_files: RunFiles) -> list[StoredFile]:
    """Every file with its name (as downloaded) and the control total it carries."""
    files = [StoredFile("bacs", "bacs", run_files.bacs, read_bacs_summary(run_files.bacs).contra_total_pence),
             StoredFile("pain001", "pain001", run_files.pain001, read_pain001_totals(run_files.pain001)[1]),
             StoredFile("journal", "journal", run_files.journal_csv.encode(), _last_amount(run_files.journal_csv, -1))]
    for r in run_files.remittances:
        total = _last_amount(r.csv, -1)  # the HTML page renders the same lines and total
        files += [StoredFile(f"remittance/{r.payee_id}.csv", "remittance_csv", r.csv.encode(), total, r.payee_id,
                             r.payment_reference),
                  StoredFile(f"remittance/{r.payee_id}.html", "remittance_html", r.html.encode(), total, r.payee_id,
                             r.payment_reference)]
    return files


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


async def listing(conn: asyncpg.Connection, run_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT name, kind, payee_id, media_type, sha256, size_bytes,"
                            " control_total_pence, created_at FROM run_files WHERE run_id = $1 ORDER BY name", run_id)


async def content(conn: asyncpg.Connection, run_id: str, name: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT name, kind, payee_id, media_type, content, sha256 FROM run_files"
                               " WHERE run_id = $1 AND name = $2", run_id, name)
