"""SQL of payees' bank details (kept here only): one table per kind of payee, the same columns and rules.

`provider_bank_details` (payee column `provider_id`) and `personal_assistant_bank_details` (`pa_id`): every
change is a row, at most one of a payee's changes is unverified, and a decided change was decided by someone
other than whoever entered it (checks in the tables themselves)."""
from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from contracts.agreements import BankAccount
from services.agreements.domain.bank_details import BankDetailsChange, ChangeStatus


@dataclass(frozen=True)
class PayeeTable:
    """Where one kind of payee's bank details are kept (both names are constants of this module)."""

    table: str
    payee_column: str


PROVIDERS = PayeeTable("provider_bank_details", "provider_id")
PERSONAL_ASSISTANTS = PayeeTable("personal_assistant_bank_details", "pa_id")


async def status(conn: asyncpg.Connection, where: PayeeTable, payee_id: str) -> asyncpg.Record:
    """Status of the latest change and the last four digits of the account in use (never the whole):
    `latest_status`, `pending_change_id`, `verified_last4`."""
    t, c = where.table, where.payee_column
    return await conn.fetchrow(
        f"SELECT (SELECT status FROM {t} WHERE {c} = $1 AND status <> 'superseded'"
        f"        ORDER BY changed_at DESC LIMIT 1) AS latest_status,"
        f"       (SELECT change_id FROM {t} WHERE {c} = $1 AND status = 'unverified') AS pending_change_id,"
        f"       (SELECT right(account_number, 4) FROM {t} WHERE {c} = $1"
        f"        AND status = 'verified' ORDER BY decided_at DESC LIMIT 1) AS verified_last4",
        payee_id)


async def record_change(conn: asyncpg.Connection, where: PayeeTable, change: BankDetailsChange,
                        account: BankAccount) -> None:
    """A new unverified change supersedes any change still waiting: only the latest is checked."""
    t, c = where.table, where.payee_column
    await conn.execute(f"UPDATE {t} SET status = 'superseded' WHERE {c} = $1 AND status = 'unverified'",
                       change.payee_id)
    await conn.execute(
        f"INSERT INTO {t} (change_id, {c}, sort_code, account_number, account_name, status, changed_by)"
        " VALUES ($1, $2, $3, $4, $5, 'unverified', $6)",
        change.change_id, change.payee_id, account.sort_code, account.account_number, account.account_name,
        change.changed_by)


async def get_change(conn: asyncpg.Connection, where: PayeeTable, payee_id: str,
                     change_id: str) -> tuple[BankDetailsChange, BankAccount] | None:
    """The change (locked for the decision) and its account, or None when the payee has no such change."""
    t, c = where.table, where.payee_column
    row = await conn.fetchrow(f"SELECT * FROM {t} WHERE {c} = $1 AND change_id = $2 FOR UPDATE", payee_id, change_id)
    if row is None:
        return None
    change = BankDetailsChange(row["change_id"], row[c], row["changed_by"], ChangeStatus(row["status"]),
                               row["decided_by"])
    return change, BankAccount(sort_code=row["sort_code"], account_number=row["account_number"],
                               account_name=row["account_name"])


async def decide_change(conn: asyncpg.Connection, where: PayeeTable, change: BankDetailsChange) -> None:
    await conn.execute(f"UPDATE {where.table} SET status = $2, decided_by = $3, decided_at = now()"
                       " WHERE change_id = $1", change.change_id, change.status.value, change.decided_by)


async def has_verified_account(conn: asyncpg.Connection, where: PayeeTable, payee_id: str) -> bool:
    return await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {where.table} WHERE {where.payee_column} = $1"
                               " AND status = 'verified')", payee_id)
