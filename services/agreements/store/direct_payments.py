"""SQL of direct payments (the payee account is kept here and only sent to payments), with the versions
of their terms in force (`direct_payment_variations`, read here; written by `store.dp_variations`)."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from contracts.agreements import BankAccount, EndReason
from contracts.common import Cycle, Nominee
from services.agreements.domain.direct_payments import DirectPayment, DirectPaymentStatus, PaymentTerms
from shared.pagination import Keyset

IN_ORDER = Keyset(("created_at", "agreement_id"))  # oldest first (index direct_payments_in_order)


def version_of(row: asyncpg.Record, version: int) -> PaymentTerms:
    return PaymentTerms(version=version, effective_from=row["effective_from"],
                        weekly_budget_pence=row["weekly_budget_pence"],
                        weekly_contribution_pence=row["weekly_contribution_pence"], cycle=Cycle(row["cycle"]),
                        reassessment_id=row["reassessment_id"])


def _payment(row: asyncpg.Record, versions: list[asyncpg.Record] = ()) -> DirectPayment:
    return DirectPayment(
        agreement_id=row["agreement_id"], person_ref=row["person_ref"],
        weekly_budget_pence=row["weekly_budget_pence"], weekly_contribution_pence=row["weekly_contribution_pence"],
        start=row["start_date"], status=DirectPaymentStatus(row["status"]), request_id=row["request_id"],
        nominee=Nominee(row["nominee"]) if row["nominee"] else None, first_review=row["first_review_due"],
        end=row["end_date"], end_reason=EndReason(row["end_reason"]) if row["end_reason"] else None,
        payee_set_by=row["payee_set_by"], agreed_by=row["agreed_by"], cycle=Cycle(row["cycle"]),
        review_interval_months=row["review_interval_months"],
        variations=tuple(version_of(v, v["version"]) for v in sorted(versions, key=lambda v: v["version"])))


async def _with_versions(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[DirectPayment]:
    versions = await conn.fetch("SELECT * FROM direct_payment_variations WHERE status = 'in_force'"
                                " AND agreement_id = ANY($1::text[])", [r["agreement_id"] for r in rows])
    return [_payment(r, [v for v in versions if v["agreement_id"] == r["agreement_id"]]) for r in rows]


async def insert_draft(conn: asyncpg.Connection, payment: DirectPayment) -> bool:
    """False when the request already has its direct payment (a repeated approval)."""
    row = await conn.fetchrow(
        "INSERT INTO direct_payments (agreement_id, request_id, person_ref, status, weekly_budget_pence,"
        " weekly_contribution_pence, start_date, nominee) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7)"
        " ON CONFLICT (request_id) WHERE status <> 'cancelled' DO NOTHING RETURNING agreement_id",
        payment.agreement_id, payment.request_id, payment.person_ref, payment.weekly_budget_pence,
        payment.weekly_contribution_pence, payment.start, payment.nominee.value if payment.nominee else None)
    return row is not None


async def get(conn: asyncpg.Connection, agreement_id: str, *, for_update: bool = False) -> DirectPayment | None:
    row = await conn.fetchrow("SELECT * FROM direct_payments WHERE agreement_id = $1"
                              + (" FOR UPDATE" if for_update else ""), agreement_id)
    return (await _with_versions(conn, [row]))[0] if row else None


async def search(conn: asyncpg.Connection, *, person_ref: str | None, request_id: str | None,
                 after: tuple[datetime, str] | None, limit: int) -> list[tuple[tuple[datetime, str], DirectPayment]]:
    """A page of the direct payments matching the filters given (None: any), oldest first, after the key
    `after` (created_at, agreement_id); each with its key."""
    later, args = IN_ORDER.after(after, first_param=3)
    rows = await conn.fetch(f"SELECT * FROM direct_payments WHERE ($1::text IS NULL OR person_ref = $1)"
                            f" AND ($2::text IS NULL OR request_id = $2) AND {later} ORDER BY {IN_ORDER.order_by}"
                            f" LIMIT ${3 + len(args)}", person_ref, request_id, *args, limit)
    return list(zip([(r["created_at"], r["agreement_id"]) for r in rows], await _with_versions(conn, rows)))


async def for_person(conn: asyncpg.Connection, person_ref: str) -> list[DirectPayment]:
    """Every direct payment of the person (their commitment counts them all), oldest first."""
    rows = await conn.fetch(f"SELECT * FROM direct_payments WHERE person_ref = $1 ORDER BY {IN_ORDER.order_by}",
                            person_ref)
    return await _with_versions(conn, rows)


async def payee_account(conn: asyncpg.Connection, agreement_id: str) -> BankAccount | None:
    row = await conn.fetchrow("SELECT payee_sort_code, payee_account_number, payee_account_name FROM direct_payments"
                              " WHERE agreement_id = $1 AND payee_sort_code IS NOT NULL", agreement_id)
    if row is None:
        return None
    return BankAccount(sort_code=row[0], account_number=row[1], account_name=row[2])


async def save(conn: asyncpg.Connection, payment: DirectPayment, payee: BankAccount | None = None) -> None:
    """Write the payment's state; the payee account only when it is (re)entered."""
    await conn.execute(
        "UPDATE direct_payments SET status = $2, nominee = $3, start_date = $4, first_review_due = $5, end_date = $6,"
        " end_reason = $7, payee_set_by = $8, agreed_by = $9, review_interval_months = $10, updated_at = now()"
        " WHERE agreement_id = $1",
        payment.agreement_id, payment.status.value, payment.nominee.value if payment.nominee else None, payment.start,
        payment.first_review, payment.end, payment.end_reason.value if payment.end_reason else None,
        payment.payee_set_by, payment.agreed_by, payment.review_interval_months)
    if payee is not None:
        await conn.execute("UPDATE direct_payments SET payee_sort_code = $2, payee_account_number = $3,"
                           " payee_account_name = $4 WHERE agreement_id = $1", payment.agreement_id,
                           payee.sort_code, payee.account_number, payee.account_name)


async def cancel_drafts_for_request(conn: asyncpg.Connection, request_id: str) -> None:
    await conn.execute("UPDATE direct_payments SET status = 'cancelled', updated_at = now()"
                       " WHERE request_id = $1 AND status = 'draft'", request_id)
