"""Recent missed visits: the safeguarding alerts an officer acts on (VisitMissed) and the visits confirmed
weeks listed as missed, once per visit, newest first."""
from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg


async def recent_missed(conn: asyncpg.Connection, *, first: date, last: date, provider_id: str | None = None,
                        limit: int = 50, after: tuple[date, str] | None = None) -> dict[str, Any]:
    """Missed visits dated first..last: counts by day and by provider, and up to `limit` of them newest first
    (local_date, then visit_key, both descending), strictly after the key `after` (local_date, visit_key)
    when given.

    A missed visit is counted once here however many carers it needed (`carers` says how many);
    visit quality counts it once per carer.
    """
    rows = await conn.fetch(
        "SELECT m.visit_key, m.local_date, m.carers, m.alerted, m.confirmed, d.person_ref, d.provider_id,"
        " p.name AS provider_name"
        " FROM missed_visit_fact m JOIN agreement_dim d USING (agreement_id)"
        " LEFT JOIN provider_dim p ON p.provider_id = d.provider_id"
        " WHERE m.local_date BETWEEN $1 AND $2 AND ($3::text IS NULL OR d.provider_id = $3)"
        " ORDER BY m.local_date DESC, m.visit_key DESC", first, last, provider_id)
    by_day: dict[date, int] = {}
    by_provider: dict[str, dict[str, Any]] = {}
    for r in rows:
        by_day[r["local_date"]] = by_day.get(r["local_date"], 0) + 1
        entry = by_provider.setdefault(r["provider_id"], {"provider_id": r["provider_id"],
                                                          "provider_name": r["provider_name"], "missed": 0})
        entry["missed"] += 1
    return {
        "from": first, "to": last, "missed": len(rows),
        "by_day": [{"day": d, "missed": n} for d, n in sorted(by_day.items())],
        "by_provider": sorted(by_provider.values(), key=lambda e: (-e["missed"], e["provider_id"])),
        "recent": [dict(r) for r in rows if after is None or (r["local_date"], r["visit_key"]) < after][:limit],
    }
