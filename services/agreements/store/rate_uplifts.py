"""SQL of rate uplifts: the uplift (who, when, which card from which date) and its lines, varied or skipped."""
from __future__ import annotations

import asyncpg

from services.agreements.domain.rate_uplifts import UpliftPlan


async def lock_provider(conn: asyncpg.Connection, provider_id: str) -> None:
    """Serialise uplifts of one provider (taken before any person's lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('agreements:rate-uplift:' || $1))", provider_id)


async def insert(conn: asyncpg.Connection, rate_uplift_id: str, plan: UpliftPlan, applied_by: str,
                 applied_role: str) -> None:
    await conn.execute(
        "INSERT INTO rate_uplifts (rate_uplift_id, provider_id, service_type, effective_from, rate_card_id,"
        " applied_by, applied_role) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        rate_uplift_id, plan.provider_id, plan.service_type.value, plan.effective_from, plan.rate_card_id,
        applied_by, applied_role)
    await conn.executemany(
        "INSERT INTO rate_uplift_lines (rate_uplift_id, agreement_id, outcome, rate_card_id, version,"
        " weekly_before_pence, weekly_after_pence, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [(rate_uplift_id, v.agreement.agreement_id, "varied", v.rate_card_id, v.version, v.weekly_before_pence,
          v.weekly_after_pence, v.reason) for v in plan.varied]
        + [(rate_uplift_id, s.agreement_id, "skipped", None, None, None, None, s.reason) for s in plan.skipped])


async def get(conn: asyncpg.Connection, rate_uplift_id: str) -> tuple[asyncpg.Record, list[asyncpg.Record]] | None:
    """The uplift and its lines (varied first, each by agreement), or None."""
    uplift = await conn.fetchrow("SELECT * FROM rate_uplifts WHERE rate_uplift_id = $1", rate_uplift_id)
    if uplift is None:
        return None
    lines = await conn.fetch("SELECT l.*, a.person_ref FROM rate_uplift_lines l JOIN agreements a USING (agreement_id)"
                             " WHERE l.rate_uplift_id = $1 ORDER BY l.outcome DESC, l.agreement_id", rate_uplift_id)
    return uplift, list(lines)
