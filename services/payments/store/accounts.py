"""The ledgers of council-managed direct-payment accounts."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from services.payments.domain.managed_accounts import MONEY_IN, LedgerEntry, LedgerEntryKind, ManagedAccount

COLUMNS = ("agreement_id", "on_date", "kind", "amount_pence", "reference", "description", "recorded_by")


async def account(conn: asyncpg.Connection, agreement_id: str, person_ref: str) -> ManagedAccount:
    """The account with every entry in date order (same-day entries in the order recorded)."""
    rows = await conn.fetch("SELECT * FROM managed_account_entries WHERE agreement_id = $1 ORDER BY on_date, entry_id",
                            agreement_id)
    return ManagedAccount(agreement_id, person_ref, tuple(
        LedgerEntry(r["on_date"], LedgerEntryKind(r["kind"]), r["amount_pence"], r["reference"], r["description"])
        for r in rows))


async def record(conn: asyncpg.Connection, agreement_id: str, entry: LedgerEntry, by: str) -> bool:
    """Add one entry; False when this reference was already recorded as this kind (nothing changes)."""
    status = await conn.execute(
        "INSERT INTO managed_account_entries (agreement_id, on_date, kind, amount_pence, reference, description,"
        " recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (agreement_id, kind, reference) DO NOTHING",
        agreement_id, entry.on, entry.kind.value, entry.amount_pence, entry.reference, entry.description, by)
    return status.endswith(" 1")


async def record_many(conn: asyncpg.Connection, rows: Sequence[tuple[str, LedgerEntry]], by: str) -> None:
    """Money paid into many accounts by one run: entries that cannot overdraw, written in one COPY."""
    if rows:
        await conn.copy_records_to_table("managed_account_entries", columns=COLUMNS, records=[
            (agreement_id, e.on, e.kind.value, e.amount_pence, e.reference, e.description, by)
            for agreement_id, e in rows])


async def balances(conn: asyncpg.Connection, as_of: date) -> list[asyncpg.Record]:
    """Every managed account's balance on `as_of`, with what its surplus threshold is worked from."""
    return await conn.fetch(
        "SELECT d.*, coalesce(sum(CASE WHEN e.kind = ANY($2::text[]) THEN e.amount_pence"
        " ELSE -e.amount_pence END) FILTER (WHERE e.on_date <= $1), 0) AS balance_pence"
        " FROM direct_payments d LEFT JOIN managed_account_entries e ON e.agreement_id = d.agreement_id"
        " WHERE d.council_managed GROUP BY d.agreement_id", as_of, [k.value for k in MONEY_IN])
