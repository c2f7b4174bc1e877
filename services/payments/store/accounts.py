"""The ledgers of council-managed direct-payment accounts, and what payment runs commit to them.

A change that can take money out of an account (a run's approval, its export, an entry typed in by
hand, a returned payment) first takes the account's lock (`lock_accounts`), so two of them side by
side cannot each see money that only one may spend.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import asyncpg

from services.payments.domain.managed_accounts import MONEY_IN, LedgerEntry, LedgerEntryKind, ManagedAccount

COLUMNS = ("agreement_id", "on_date", "kind", "amount_pence", "reference", "description", "recorded_by", "payee_id")


def _entry(r: asyncpg.Record) -> LedgerEntry:
    return LedgerEntry(r["on_date"], LedgerEntryKind(r["kind"]), r["amount_pence"], r["reference"], r["description"],
                       r["payee_id"])


async def account(conn: asyncpg.Connection, agreement_id: str, person_ref: str) -> ManagedAccount:
    """The account with every entry in date order (same-day entries in the order recorded)."""
    rows = await conn.fetch("SELECT * FROM managed_account_entries WHERE agreement_id = $1 ORDER BY on_date, entry_id",
                            agreement_id)
    return ManagedAccount(agreement_id, person_ref, tuple(_entry(r) for r in rows))


async def managed_accounts(conn: asyncpg.Connection, agreement_ids: Sequence[str] | None) -> dict[str, ManagedAccount]:
    """The accounts of these direct payments that are council-managed (None: of every one), read in bulk."""
    heads = await conn.fetch("SELECT agreement_id, person_ref FROM direct_payments WHERE council_managed"
                             " AND ($1::text[] IS NULL OR agreement_id = ANY($1::text[]))",
                             list(agreement_ids) if agreement_ids is not None else None)
    ids = [h["agreement_id"] for h in heads]
    entries: dict[str, list[LedgerEntry]] = defaultdict(list)
    for r in await conn.fetch("SELECT * FROM managed_account_entries WHERE agreement_id = ANY($1::text[])"
                              " ORDER BY agreement_id, on_date, entry_id", ids):
        entries[r["agreement_id"]].append(_entry(r))
    return {h["agreement_id"]: ManagedAccount(h["agreement_id"], h["person_ref"],
                                              tuple(entries.get(h["agreement_id"], ())))
            for h in heads}


async def lock_accounts(conn: asyncpg.Connection, agreement_ids: Sequence[str]) -> None:
    """Until the transaction ends, one change at a time per managed account (taken in id order)."""
    for agreement_id in sorted(set(agreement_ids)):
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('payments:managed-account:' || $1))", agreement_id)


async def committed(conn: asyncpg.Connection, agreement_ids: Sequence[str] | None = None,
                    *, besides: str | None = None) -> dict[str, list[LedgerEntry]]:
    """What approved runs not yet exported will take from each account (every line with `funded_by`,
    whatever its kind), one entry per run on its pay date; `besides`: leave that run out."""
    rows = await conn.fetch(
        "SELECT l.funded_by, r.run_id, r.pay_date, sum(l.amount_pence) AS pence FROM run_lines l"
        " JOIN payment_runs r ON r.run_id = l.run_id"
        " WHERE l.funded_by IS NOT NULL AND r.status = 'approved' AND r.exported_at IS NULL"
        "   AND ($1::text[] IS NULL OR l.funded_by = ANY($1::text[])) AND r.run_id IS DISTINCT FROM $2"
        " GROUP BY l.funded_by, r.run_id, r.pay_date ORDER BY r.pay_date, r.run_id",
        list(agreement_ids) if agreement_ids is not None else None, besides)
    found: dict[str, list[LedgerEntry]] = defaultdict(list)
    for r in rows:
        if r["pence"] > 0:
            found[r["funded_by"]].append(LedgerEntry(r["pay_date"], LedgerEntryKind.PAYMENT_TO_PROVIDER,
                                                     int(r["pence"]), r["run_id"], "approved, not yet exported"))
    return found


async def available(conn: asyncpg.Connection, on: date, agreement_ids: Sequence[str] | None = None) -> dict[str, int]:
    """What each council-managed account may still pay on `on` (`ManagedAccount.available_pence`, less
    what approved runs not yet exported will take)."""
    accounts = await managed_accounts(conn, agreement_ids)
    pending = await committed(conn, list(accounts))
    return {dp: a.available_pence(on, pending.get(dp, ())) for dp, a in accounts.items()}


async def run_debits(conn: asyncpg.Connection, run_id: str) -> dict[str, int]:
    """What the run's lines take from each managed account (by direct payment), whatever their kind."""
    rows = await conn.fetch("SELECT funded_by, sum(amount_pence) AS pence FROM run_lines WHERE run_id = $1"
                            " AND funded_by IS NOT NULL GROUP BY funded_by ORDER BY funded_by", run_id)
    return {r["funded_by"]: int(r["pence"]) for r in rows}


async def payments_drawing_nothing(conn: asyncpg.Connection, run_id: str) -> list[tuple[str, str]]:
    """(payment, direct payment) where the payment's lines funded by that account net to 0 or less."""
    rows = await conn.fetch("SELECT payment_reference, funded_by FROM run_lines WHERE run_id = $1"
                            " AND funded_by IS NOT NULL GROUP BY 1, 2 HAVING sum(amount_pence) <= 0 ORDER BY 1, 2"
                            " LIMIT 5", run_id)
    return [(r["payment_reference"], r["funded_by"]) for r in rows]


async def record(conn: asyncpg.Connection, agreement_id: str, entry: LedgerEntry, by: str) -> bool:
    """Add one entry; False when this reference was already recorded as this kind (nothing changes)."""
    status = await conn.execute(
        "INSERT INTO managed_account_entries (agreement_id, on_date, kind, amount_pence, reference, description,"
        " recorded_by, payee_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (agreement_id, kind, reference) DO NOTHING",
        agreement_id, entry.on, entry.kind.value, entry.amount_pence, entry.reference, entry.description, by,
        entry.payee_id)
    return status.endswith(" 1")


async def record_many(conn: asyncpg.Connection, rows: Sequence[tuple[str, LedgerEntry]], by: str) -> None:
    """Money paid into many accounts by one run: entries that cannot overdraw, written in one COPY."""
    if rows:
        await conn.copy_records_to_table("managed_account_entries", columns=COLUMNS, records=[
            (agreement_id, e.on, e.kind.value, e.amount_pence, e.reference, e.description, by, e.payee_id)
            for agreement_id, e in rows])


async def balances(conn: asyncpg.Connection, as_of: date) -> list[asyncpg.Record]:
    """Every managed account's balance on `as_of`, with what its surplus threshold is worked from."""
    return await conn.fetch(
        "SELECT d.*, coalesce(sum(CASE WHEN e.kind = ANY($2::text[]) THEN e.amount_pence"
        " ELSE -e.amount_pence END) FILTER (WHERE e.on_date <= $1), 0) AS balance_pence"
        " FROM direct_payments d LEFT JOIN managed_account_entries e ON e.agreement_id = d.agreement_id"
        " WHERE d.council_managed GROUP BY d.agreement_id", as_of, [k.value for k in MONEY_IN])


async def credit_returned_payments(conn: asyncpg.Connection, references: Sequence[str], on: date, reason: str,
                                   by: str) -> list[str]:
    """Put back into each managed account what it paid for these payments, now returned by the bank: one
    `payment_returned` entry per debit recorded at export (none for a payment that drew on no account), once
    however often it is retried. Call with the accounts locked. Returns the accounts credited."""
    rows = await conn.fetch(
        "INSERT INTO managed_account_entries (agreement_id, on_date, kind, amount_pence, reference, description,"
        " recorded_by, payee_id)"
        " SELECT agreement_id, $2, 'payment_returned', amount_pence, reference, $3, $4, payee_id"
        " FROM managed_account_entries"
        " WHERE reference = ANY($1::text[]) AND kind IN ('payment_to_provider', 'payment_to_personal_assistant')"
        " ON CONFLICT (agreement_id, kind, reference) DO NOTHING RETURNING agreement_id",
        list(references), on, f"Returned by the bank: {reason}"[:500], by)
    return [r["agreement_id"] for r in rows]


async def accounts_paying(conn: asyncpg.Connection, references: Sequence[str]) -> list[str]:
    """The managed accounts that paid these payments (their debits at export)."""
    return [r["agreement_id"] for r in await conn.fetch(
        "SELECT DISTINCT agreement_id FROM managed_account_entries WHERE reference = ANY($1::text[])"
        " AND kind IN ('payment_to_provider', 'payment_to_personal_assistant') ORDER BY 1", list(references))]
