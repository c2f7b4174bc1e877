"""SQL for a varied direct payment's terms from each date, and the variation applied to its row."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import asyncpg

from contracts.common import Cycle
from services.payments.domain.inputs import TermsFrom


async def terms_for(conn: asyncpg.Connection, agreement_ids: Sequence[str]) -> dict[str, tuple[TermsFrom, ...]]:
    """Each varied direct payment's terms, oldest first (one never varied has none here)."""
    rows = await conn.fetch("SELECT * FROM direct_payment_terms WHERE agreement_id = ANY($1::text[])"
                            " ORDER BY agreement_id, effective_from", list(agreement_ids))
    found: dict[str, list[TermsFrom]] = defaultdict(list)
    for r in rows:
        found[r["agreement_id"]].append(TermsFrom(r["effective_from"], r["net_per_four_weeks_pence"],
                                                  Cycle(r["cycle"]), r["anchor"]))
    return {k: tuple(v) for k, v in found.items()}


async def replace_terms(conn: asyncpg.Connection, agreement_id: str, terms: Sequence[TermsFrom]) -> None:
    await conn.execute("DELETE FROM direct_payment_terms WHERE agreement_id = $1", agreement_id)
    await conn.executemany(
        "INSERT INTO direct_payment_terms (agreement_id, effective_from, net_per_four_weeks_pence, cycle, anchor)"
        " VALUES ($1, $2, $3, $4, $5)",
        [(agreement_id, t.effective_from, t.net_per_four_weeks_pence, t.cycle.value, t.anchor) for t in terms])


async def apply_variation(conn: asyncpg.Connection, agreement_id: str, amount_pence: int, contribution_pence: int,
                          cycle: Cycle, version: int, *, repriced: bool) -> None:
    """The payment as it now stands, at this terms version. When what it pays changed (`repriced`), its amount
    version moves on too, so a run proposed before is not approved (store.runs.changed_direct_payments)."""
    await conn.execute(
        "UPDATE direct_payments SET amount_per_four_weeks_pence = $2, contribution_per_four_weeks_pence = $3,"
        " cycle = $4, terms_version = $5, amount_version = amount_version + $6::int, updated_at = now()"
        " WHERE agreement_id = $1", agreement_id, amount_pence, contribution_pence, cycle.value, version,
        1 if repriced else 0)
