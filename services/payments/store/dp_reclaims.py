"""SQL for reclaims: raised and approved by two people, netted from runs (what is left to net), and the
debts exported to the council's debtors system."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from shared.pagination import Keyset
from services.payments.domain.dp_reclaims import Reclaim, ReclaimMethod, ReclaimReason, ReclaimStatus
from services.payments.domain.inputs import ReclaimDue

RAISED_FIRST = Keyset(("r.raised_at", "r.reclaim_id"))
DEBTS_FIRST = Keyset(("approved_at", "reclaim_id"))  # approved_at is set on every approved reclaim

# What a reclaim has netted from payments not returned, and how many nettings it has had (0012's view,
# for one reclaim at a time).
_NETTED = ("SELECT coalesce(sum(n.amount_pence) FILTER (WHERE s.document_id IS NOT NULL), 0)::bigint AS netted,"
           " count(n.line_id)::int AS nettings FROM direct_payment_reclaim_nettings n"
           " LEFT JOIN settlements s ON s.document_id = n.line_id AND s.run_id = n.run_id AND NOT s.returned"
           " WHERE n.reclaim_id = r.reclaim_id")


def new_id() -> str:
    return f"RCL-{uuid.uuid4().hex[:16]}"


def _reclaim(r: asyncpg.Record) -> Reclaim:
    return Reclaim(r["reclaim_id"], r["agreement_id"], r["person_ref"], ReclaimReason(r["reason"]),
                   ReclaimMethod(r["method"]), r["amount_pence"], r["raised_by"], r["raised_on"], r["raised_at"],
                   return_id=r["return_id"], council_managed=r["council_managed"], status=ReclaimStatus(r["status"]),
                   approved_by=r["approved_by"], approved_at=r["approved_at"])


async def insert(conn: asyncpg.Connection, r: Reclaim) -> None:
    await conn.execute(
        "INSERT INTO direct_payment_reclaims (reclaim_id, agreement_id, person_ref, reason, method, amount_pence,"
        " return_id, council_managed, raised_by, raised_on, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10, $11)", r.reclaim_id, r.agreement_id, r.person_ref, r.reason.value, r.method.value, r.amount_pence,
        r.return_id, r.council_managed, r.raised_by, r.raised_on, r.raised_at)


async def locked(conn: asyncpg.Connection, reclaim_id: str) -> Reclaim | None:
    row = await conn.fetchrow("SELECT * FROM direct_payment_reclaims WHERE reclaim_id = $1 FOR UPDATE", reclaim_id)
    return None if row is None else _reclaim(row)


async def mark_approved(conn: asyncpg.Connection, r: Reclaim) -> None:
    await conn.execute("UPDATE direct_payment_reclaims SET status = 'approved', approved_by = $2, approved_at = $3"
                       " WHERE reclaim_id = $1 AND status = 'pending'", r.reclaim_id, r.approved_by, r.approved_at)


async def reclaimed_from_return(conn: asyncpg.Connection, return_id: str, *, besides: str | None = None) -> int:
    """What reclaims (pending or approved) already take from a return."""
    return await conn.fetchval("SELECT coalesce(sum(amount_pence), 0) FROM direct_payment_reclaims"
                               " WHERE return_id = $1 AND reclaim_id IS DISTINCT FROM $2", return_id, besides)


async def pending_from_account(conn: asyncpg.Connection, agreement_id: str, *, besides: str | None = None) -> int:
    """What reclaims not yet approved will take from a council-managed account (approved ones are in its ledger)."""
    return await conn.fetchval("SELECT coalesce(sum(amount_pence), 0) FROM direct_payment_reclaims"
                               " WHERE agreement_id = $1 AND council_managed AND status = 'pending'"
                               " AND reclaim_id IS DISTINCT FROM $2", agreement_id, besides)


async def pending_debits(conn: asyncpg.Connection, agreement_id: str) -> int:
    """What runs not yet exported will pay from a council-managed account (its lines `funded_by` it)."""
    return await conn.fetchval(
        "SELECT coalesce(sum(l.amount_pence), 0) FROM run_lines l JOIN payment_runs r USING (run_id)"
        " WHERE l.funded_by = $1 AND r.exported_at IS NULL", agreement_id)


async def reclaims_due(conn: asyncpg.Connection, agreement_ids: Sequence[str]) -> dict[str, tuple[ReclaimDue, ...]]:
    """Each direct payment's approved netting reclaims with something left to net, oldest approval first."""
    rows = await conn.fetch(
        "SELECT r.reclaim_id, r.agreement_id, r.amount_pence - x.netted AS outstanding, x.nettings + 1 AS netting"
        f" FROM direct_payment_reclaims r CROSS JOIN LATERAL ({_NETTED}) x"
        " WHERE r.agreement_id = ANY($1::text[]) AND r.status = 'approved' AND r.method = 'netting'"
        " AND NOT r.council_managed AND r.amount_pence > x.netted ORDER BY r.approved_at, r.reclaim_id",
        list(agreement_ids))
    found: dict[str, list[ReclaimDue]] = defaultdict(list)
    for r in rows:
        found[r["agreement_id"]].append(ReclaimDue(r["reclaim_id"], r["outstanding"], r["netting"]))
    return {k: tuple(v) for k, v in found.items()}


async def listing(conn: asyncpg.Connection, agreement_id: str, after: tuple[datetime, str] | None,
                  limit: int) -> list[tuple[Reclaim, int]]:
    """A direct payment's reclaims, oldest first (after `after`: raised_at, reclaim_id), each with what it has
    netted so far."""
    where, args = RAISED_FIRST.after(after, first_param=2)
    rows = await conn.fetch(f"SELECT r.*, x.netted FROM direct_payment_reclaims r CROSS JOIN LATERAL ({_NETTED}) x"
                            f" WHERE r.agreement_id = $1 AND {where} ORDER BY {RAISED_FIRST.order_by}"
                            f" LIMIT ${len(args) + 2}", agreement_id, *args, limit)
    return [(_reclaim(r), r["netted"]) for r in rows]


async def debts(conn: asyncpg.Connection, unexported_only: bool, since: datetime | None, *, lock: bool,
                after: tuple[datetime, str] | None = None, limit: int | None = None) -> list[asyncpg.Record]:
    """Approved debts, in the order they became debts: all, those never exported, or those approved since;
    after `after` (approved_at, reclaim_id), at most `limit` (None: all). Locked when an export is to mark
    them, so two exports never hand over the same debt."""
    where, args = DEBTS_FIRST.after(after, first_param=3)
    return await conn.fetch(
        "SELECT * FROM direct_payment_reclaims WHERE method = 'debt' AND status = 'approved'"
        f" AND (NOT $1 OR exported_at IS NULL) AND ($2::timestamptz IS NULL OR approved_at > $2) AND {where}"
        f" ORDER BY {DEBTS_FIRST.order_by} LIMIT ${len(args) + 3}" + (" FOR UPDATE" if lock else ""),
        unexported_only, since, *args, limit)


async def mark_exported(conn: asyncpg.Connection, reclaim_ids: Sequence[str], at: datetime) -> None:
    """The first export of each debt is kept: exporting it again does not move it."""
    await conn.execute("UPDATE direct_payment_reclaims SET exported_at = $2 WHERE reclaim_id = ANY($1::text[])"
                       " AND exported_at IS NULL", list(reclaim_ids), at)


def as_reclaim(row: asyncpg.Record) -> Reclaim:
    return _reclaim(row)
