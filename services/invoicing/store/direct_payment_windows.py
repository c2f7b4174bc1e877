"""SQL of the days each direct payment is in force: its start from the latest terms event, its end from the
latest ending, each kept by when it happened (a replay or an older copy changes nothing)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from services.invoicing.domain.contributions import DirectPaymentWindow


async def keep_start(conn: asyncpg.Connection, agreement_id: str, person_ref: str, start: date,
                     occurred_at: datetime) -> tuple[bool, date | None]:
    """The start of a direct payment agreed or varied, unless a later terms event was kept: (kept, the start
    it had before, None when none)."""
    row = await conn.fetchrow(
        "WITH before AS (SELECT start_on FROM direct_payment_windows WHERE agreement_id = $1 FOR UPDATE)"
        " INSERT INTO direct_payment_windows (agreement_id, person_ref, start_on, terms_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (agreement_id) DO UPDATE SET person_ref = EXCLUDED.person_ref, start_on = EXCLUDED.start_on,"
        " terms_at = EXCLUDED.terms_at, updated_at = now()"
        " WHERE direct_payment_windows.terms_at IS NULL OR direct_payment_windows.terms_at < EXCLUDED.terms_at"
        " RETURNING (SELECT start_on FROM before) AS before", agreement_id, person_ref, start, occurred_at)
    return (False, None) if row is None else (True, row["before"])


async def keep_end(conn: asyncpg.Connection, agreement_id: str, person_ref: str, end: date,
                   occurred_at: datetime) -> tuple[bool, date | None]:
    """The last day of a direct payment ended, unless a later ending was kept: (kept, the end it had
    before, None when none)."""
    row = await conn.fetchrow(
        "WITH before AS (SELECT end_on FROM direct_payment_windows WHERE agreement_id = $1 FOR UPDATE)"
        " INSERT INTO direct_payment_windows (agreement_id, person_ref, end_on, ended_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (agreement_id) DO UPDATE SET person_ref = EXCLUDED.person_ref, end_on = EXCLUDED.end_on,"
        " ended_at = EXCLUDED.ended_at, updated_at = now()"
        " WHERE direct_payment_windows.ended_at IS NULL OR direct_payment_windows.ended_at < EXCLUDED.ended_at"
        " RETURNING (SELECT end_on FROM before) AS before", agreement_id, person_ref, end, occurred_at)
    return (False, None) if row is None else (True, row["before"])


async def in_force(conn: asyncpg.Connection, people: Sequence[str], first: date, last: date
                   ) -> dict[str, list[DirectPaymentWindow]]:
    """Each person's direct payments in force on some day of first..last."""
    rows = await conn.fetch(
        "SELECT agreement_id, person_ref, start_on, end_on FROM direct_payment_windows"
        " WHERE person_ref = ANY($1::text[]) AND start_on IS NOT NULL AND start_on <= $3"
        " AND (end_on IS NULL OR end_on >= $2) ORDER BY agreement_id", list(people), first, last)
    out: dict[str, list[DirectPaymentWindow]] = defaultdict(list)
    for r in rows:
        out[r["person_ref"]].append(DirectPaymentWindow(r["agreement_id"], r["start_on"], r["end_on"]))
    return out
