"""SQL of confirmed actuals: weeks, their visit lines (COPYed in bulk), and later corrections.

Everything here takes a whole batch at once: a batch of PeriodActualsConfirmed events costs a
fixed handful of round trips, however many lines it carries.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from shared.clock import week_start
from services.invoicing.domain.adjustments import Adjustment, HeldVisit, apply_adjustment
from services.invoicing.domain.facts import ConfirmedActuals, VerifiedVisitLine
from services.invoicing.domain.periods import Period

_VISIT_COLUMNS = HeldVisit._fields  # COPY takes the tuples as they are


@dataclass(frozen=True, slots=True)
class ConfirmedWeek:
    """One PeriodActualsConfirmed event, as stored."""

    agreement_id: str
    week_start: date
    provider_id: str
    person_ref: str
    amount_pence: int
    confirmed_by: str
    event_id: uuid.UUID
    confirmed_at: datetime
    visits: tuple[HeldVisit, ...]


async def record_confirmed_weeks(conn: asyncpg.Connection, weeks: Sequence[ConfirmedWeek]) -> set[tuple[str, date]]:
    """Store the weeks in three statements; a week confirmed again replaces its lines, and is
    returned (agreement, week) so what was invoiced from the earlier lines can be corrected."""
    if not weeks:
        return set()
    cols = list(zip(*[(w.agreement_id, w.week_start, w.provider_id, w.person_ref, w.amount_pence, w.confirmed_by,
                       w.event_id, w.confirmed_at) for w in weeks]))
    rows = await conn.fetch(
        "INSERT INTO confirmed_weeks (agreement_id, week_start, provider_id, person_ref, amount_pence, confirmed_by,"
        " event_id, confirmed_at) SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[],"
        " $5::bigint[], $6::text[], $7::uuid[], $8::timestamptz[])"
        " ON CONFLICT (agreement_id, week_start) DO UPDATE SET amount_pence = EXCLUDED.amount_pence,"
        " confirmed_by = EXCLUDED.confirmed_by, event_id = EXCLUDED.event_id, confirmed_at = EXCLUDED.confirmed_at"
        " RETURNING agreement_id, week_start, xmax <> 0 AS again",  # xmax is set on a row updated, not inserted
        *[list(c) for c in cols])
    await conn.execute(
        "DELETE FROM confirmed_visits v USING unnest($1::text[], $2::date[]) AS w(agreement_id, week_start)"
        " WHERE v.agreement_id = w.agreement_id AND v.week_start = w.week_start",
        [w.agreement_id for w in weeks], [w.week_start for w in weeks])
    records = [v for w in weeks for v in w.visits]
    if records:
        await conn.copy_records_to_table("confirmed_visits", records=records, columns=_VISIT_COLUMNS)
    return {(r["agreement_id"], r["week_start"]) for r in rows if r["again"]}


async def apply_adjustments(conn: asyncpg.Connection, adjustments: Sequence[tuple[Adjustment, date, uuid.UUID]]
                            ) -> set[tuple[str, date]]:
    """Apply corrections not applied before; return the (agreement, week) pairs they changed."""
    if not adjustments:
        return set()
    cols = list(zip(*[(a.agreement_id, a.week_start, a.visit_key, a.carer_id, a.revision, a.amount_pence_delta,
                       reported_in, event_id) for a, reported_in, event_id in adjustments]))
    fresh = await conn.fetch(
        "INSERT INTO actuals_adjustments (agreement_id, week_start, visit_key, carer_id, revision, amount_pence_delta,"
        " reported_in_week, event_id) SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[],"
        " $5::int[], $6::bigint[], $7::date[], $8::uuid[]) ON CONFLICT DO NOTHING"
        " RETURNING agreement_id, week_start, visit_key, carer_id, revision, amount_pence_delta",
        *[list(c) for c in cols])
    if not fresh:
        return set()
    todo = sorted((Adjustment(r["agreement_id"], r["week_start"], r["visit_key"], r["carer_id"],
                              r["amount_pence_delta"], r["revision"]) for r in fresh), key=lambda a: a.revision)
    rows = await conn.fetch(
        "SELECT v.* FROM confirmed_visits v JOIN unnest($1::text[], $2::date[], $3::text[], $4::text[])"
        " AS k(agreement_id, week_start, visit_key, carer_id) USING (agreement_id, week_start, visit_key, carer_id)",
        [a.agreement_id for a in todo], [a.week_start for a in todo], [a.visit_key for a in todo],
        [a.carer_id for a in todo])
    held = {(r["agreement_id"], r["week_start"], r["visit_key"], r["carer_id"]): HeldVisit(*[r[c] for c in (
        "agreement_id", "week_start", "visit_key", "visit_id", "carer_id", "local_date", "payable_minutes",
        "rate_pence_per_hour", "amount_pence", "revision")]) for r in rows}
    for adjustment in todo:
        key = (adjustment.agreement_id, adjustment.week_start, adjustment.visit_key, adjustment.carer_id)
        after = apply_adjustment(held.get(key), adjustment)
        if after is not None:
            held[key] = after
    touched = {(a.agreement_id, a.week_start, a.visit_key, a.carer_id) for a in todo}
    changed = [v for k, v in held.items() if k in touched]
    await conn.executemany(
        "INSERT INTO confirmed_visits (agreement_id, week_start, visit_key, visit_id, carer_id, local_date,"
        " payable_minutes, rate_pence_per_hour, amount_pence, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (agreement_id, week_start, visit_key, carer_id) DO UPDATE SET"
        " payable_minutes = EXCLUDED.payable_minutes, amount_pence = EXCLUDED.amount_pence,"
        " revision = EXCLUDED.revision", changed)
    return {(a.agreement_id, a.week_start) for a in todo}


async def confirmed_weeks(conn: asyncpg.Connection, agreement_ids: Iterable[str], first: date, last: date
                          ) -> dict[str, set[date]]:
    """The Mondays of confirmed weeks of each agreement between `first` and `last`."""
    rows = await conn.fetch(
        "SELECT agreement_id, week_start FROM confirmed_weeks WHERE agreement_id = ANY($1::text[])"
        " AND week_start BETWEEN $2 AND $3", list(set(agreement_ids)), week_start(first), last)
    out: dict[str, set[date]] = defaultdict(set)
    for r in rows:
        out[r["agreement_id"]].add(r["week_start"])
    return out


async def visits_by_week(conn: asyncpg.Connection, pairs: Iterable[tuple[str, date]]
                         ) -> dict[tuple[str, date], list[VerifiedVisitLine]]:
    """The visit lines of each (agreement, week), read in one query."""
    pairs = set(pairs)
    out: dict[tuple[str, date], list[VerifiedVisitLine]] = defaultdict(list)
    if not pairs:
        return out
    # By agreement over the weeks' range (the key's prefix: an index scan however large the table),
    # one row of arrays per week rather than a row per line: a four-weekly county run reads
    # ~500,000 lines here, and decoding arrays costs a fraction of building a record for each.
    await conn.execute("SET LOCAL work_mem = '64MB'")  # the grouping sorts ~200,000 lines a batch in memory
    rows = await conn.fetch(
        "SELECT agreement_id, week_start, array_agg(visit_id), array_agg(carer_id), array_agg(local_date),"
        " array_agg(payable_minutes), array_agg(rate_pence_per_hour), array_agg(amount_pence)"
        " FROM confirmed_visits WHERE agreement_id = ANY($1::text[]) AND week_start BETWEEN $2 AND $3"
        " GROUP BY agreement_id, week_start",
        list({p[0] for p in pairs}), min(p[1] for p in pairs), max(p[1] for p in pairs))
    for r in rows:
        if (r[0], r[1]) in pairs:
            out[(r[0], r[1])] = list(map(VerifiedVisitLine, r[2], r[3], r[4], r[5], r[6], r[7]))
    return out


async def unbilled_confirmed_weeks(conn: asyncpg.Connection, agreement_ids: Sequence[str]) -> list[tuple[str, date]]:
    """Confirmed weeks of these agreements that no original self-billed invoice covers yet."""
    rows = await conn.fetch(
        "SELECT w.agreement_id, w.week_start FROM confirmed_weeks w WHERE w.agreement_id = ANY($1::text[])"
        " AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.agreement_id = w.agreement_id AND i.kind = 'self_billed'"
        " AND i.period_first <= w.week_start + 6 AND i.period_last >= w.week_start)", list(agreement_ids))
    return [(r["agreement_id"], r["week_start"]) for r in rows]


async def actuals_covering(conn: asyncpg.Connection, agreement_id: str, person_ref: str, days: Period
                           ) -> ConfirmedActuals | None:
    """The agreement's confirmed actuals over the weeks `days` touches; unconfirmed weeks are gaps."""
    weeks = days.weeks()
    confirmed = (await confirmed_weeks(conn, [agreement_id], days.first, days.last)).get(agreement_id, set())
    if not confirmed:
        return None
    visits = await visits_by_week(conn, [(agreement_id, monday) for monday in confirmed])
    span = Period(weeks[0].first, weeks[-1].last)
    gaps = tuple(w for w in weeks if w.first not in confirmed)
    lines = tuple(v for monday in sorted(confirmed) for v in visits.get((agreement_id, monday), ()))
    return ConfirmedActuals(agreement_id, person_ref, span, lines, gaps)

