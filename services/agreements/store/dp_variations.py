"""SQL of direct payment variations (`direct_payment_variations`): pending, in force (a version), superseded."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from services.agreements.domain.dp_variations import Variation, VariationStatus
from services.agreements.store.direct_payments import version_of
from shared.pagination import Keyset

IN_ORDER = Keyset(("requested_at", "variation_id"))  # a payment's variations, oldest first


def _variation(row: asyncpg.Record, next_version: int) -> Variation:
    return Variation(variation_id=row["variation_id"], agreement_id=row["agreement_id"],
                     terms=version_of(row, row["version"] or next_version), requested_by=row["requested_by"],
                     requested_by_role=row["requested_by_role"], status=VariationStatus(row["status"]),
                     approved_by=row["approved_by"], approved_by_role=row["approved_by_role"])


async def insert(conn: asyncpg.Connection, variation: Variation) -> None:
    """A new variation: in force with its version, or pending (no version until approved)."""
    terms = variation.terms
    in_force = variation.status is VariationStatus.IN_FORCE
    await conn.execute(
        "INSERT INTO direct_payment_variations (variation_id, agreement_id, status, version, effective_from,"
        " weekly_budget_pence, weekly_contribution_pence, cycle, reassessment_id, requested_by, requested_by_role,"
        " decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $12 THEN now() END)",
        variation.variation_id, variation.agreement_id, variation.status.value, terms.version if in_force else None,
        terms.effective_from, terms.weekly_budget_pence, terms.weekly_contribution_pence, terms.cycle.value,
        terms.reassessment_id, variation.requested_by, variation.requested_by_role, in_force)


async def supersede_pending(conn: asyncpg.Connection, agreement_id: str) -> list[str]:
    """Mark the payment's pending variation superseded; the ids it applied to (none, or one)."""
    rows = await conn.fetch("UPDATE direct_payment_variations SET status = 'superseded', decided_at = now()"
                            " WHERE agreement_id = $1 AND status = 'pending' RETURNING variation_id", agreement_id)
    return [r["variation_id"] for r in rows]


async def get(conn: asyncpg.Connection, agreement_id: str, variation_id: str, next_version: int,
              *, for_update: bool = False) -> Variation | None:
    """The variation (a pending one given `next_version`, the version it would have now)."""
    row = await conn.fetchrow("SELECT * FROM direct_payment_variations WHERE agreement_id = $1 AND variation_id = $2"
                              + (" FOR UPDATE" if for_update else ""), agreement_id, variation_id)
    return _variation(row, next_version) if row else None


async def put_in_force(conn: asyncpg.Connection, variation: Variation) -> None:
    """The approved variation takes its version (approved_by differs from requested_by: the table checks too)."""
    await conn.execute(
        "UPDATE direct_payment_variations SET status = 'in_force', version = $3, approved_by = $4,"
        " approved_by_role = $5, decided_at = now() WHERE agreement_id = $1 AND variation_id = $2",
        variation.agreement_id, variation.variation_id, variation.terms.version, variation.approved_by,
        variation.approved_by_role)


async def for_payment(conn: asyncpg.Connection, agreement_id: str, next_version: int, *,
                      after: tuple[datetime, str] | None = None,
                      limit: int = 1000) -> list[tuple[tuple[datetime, str], Variation]]:
    """A page of the variations asked for, oldest first, after the key `after` (requested_at, variation_id);
    each with its key."""
    later, args = IN_ORDER.after(after, first_param=2)
    rows = await conn.fetch(f"SELECT * FROM direct_payment_variations WHERE agreement_id = $1 AND {later}"
                            f" ORDER BY {IN_ORDER.order_by} LIMIT ${2 + len(args)}", agreement_id, *args, limit)
    return [((r["requested_at"], r["variation_id"]), _variation(r, next_version)) for r in rows]
