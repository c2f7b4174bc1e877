"""SQL of debtors exports: the revisions not yet exported, and each export's files as first written."""
from __future__ import annotations

from datetime import date

import asyncpg

from services.invoicing.domain.contribution_files import ExportedCharge

EXPORT_LOCK = "invoicing:contribution-export"


async def lock_exports(conn: asyncpg.Connection) -> None:
    """One export at a time (for the transaction): two never take the same revisions or number."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", EXPORT_LOCK)


async def not_exported(conn: asyncpg.Connection) -> list[ExportedCharge]:
    """Every revision that changes what is owed and was not exported yet."""
    rows = await conn.fetch(
        "SELECT charge_id, person_ref, period_start, period_end, revision, change_pence, reason"
        " FROM contribution_charges WHERE export_id IS NULL AND change_pence <> 0"
        " ORDER BY period_start, person_ref, revision")
    return [ExportedCharge(*r) for r in rows]


async def next_number(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT coalesce(max(number), 0) + 1 FROM contribution_exports")


async def record_export(conn: asyncpg.Connection, export_id: str, number: int, posting_date: date, by: str,
                        charges: list[ExportedCharge], total_pence: int, debtors: bytes, journal: bytes) -> None:
    await conn.execute(
        "INSERT INTO contribution_exports (export_id, number, posting_date, created_by, count, total_pence,"
        " debtors_csv, journal_csv) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        export_id, number, posting_date, by, len(charges), total_pence, debtors, journal)
    await conn.execute("UPDATE contribution_charges SET export_id = $1 WHERE charge_id = ANY($2::text[])",
                       export_id, [c.charge_id for c in charges])


async def export_file(conn: asyncpg.Connection, export_id: str, which: str) -> bytes | None:
    column = {"debtors": "debtors_csv", "journal": "journal_csv"}[which]
    return await conn.fetchval(f"SELECT {column} FROM contribution_exports WHERE export_id = $1", export_id)
