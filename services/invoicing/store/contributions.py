"""SQL of contributions: the decisions on file, what a charge is computed from, and each charge's revisions."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import asyncpg

from shared.clock import week_start
from shared.pagination import Keyset
from services.invoicing.domain.contributions import ContributionDecision, DeliveredVisit
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.store import facts as store_facts

CHARGED_CARE = "a.funding = 'council' AND a.mechanism IN ('council_arranged', 'isf')"


async def keep_agreed(conn: asyncpg.Connection, person_ref: str, request_id: str, weekly_pence: int,
                      decided_at: datetime) -> bool:
    """A request's agreed contribution; the one decided last stands (a replay or an older one changes nothing)."""
    return bool(await conn.fetchval(
        "INSERT INTO contributions_on_file (person_ref, request_id, weekly_contribution_pence, decided_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) WHERE reassessment_id IS NULL DO UPDATE SET"
        " person_ref = EXCLUDED.person_ref, weekly_contribution_pence = EXCLUDED.weekly_contribution_pence,"
        " decided_at = EXCLUDED.decided_at, recorded_at = now()"
        " WHERE contributions_on_file.decided_at < EXCLUDED.decided_at RETURNING true",
        person_ref, request_id, weekly_pence, decided_at))


async def keep_reassessed(conn: asyncpg.Connection, person_ref: str, request_id: str, reassessment_id: str,
                          effective_from: date, weekly_pence: int, decided_at: datetime) -> bool:
    """A reassessed contribution, in force from its date; a replay changes nothing."""
    return bool(await conn.fetchval(
        "INSERT INTO contributions_on_file (person_ref, request_id, reassessment_id, effective_from,"
        " weekly_contribution_pence, decided_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (reassessment_id) WHERE reassessment_id IS NOT NULL DO NOTHING RETURNING true",
        person_ref, request_id, reassessment_id, effective_from, weekly_pence, decided_at))


async def decisions(conn: asyncpg.Connection, people: Sequence[str]) -> dict[str, list[ContributionDecision]]:
    rows = await conn.fetch("SELECT person_ref, weekly_contribution_pence, decided_at, effective_from"
                            " FROM contributions_on_file WHERE person_ref = ANY($1::text[])", list(people))
    out: dict[str, list[ContributionDecision]] = defaultdict(list)
    for r in rows:
        out[r["person_ref"]].append(ContributionDecision(r[1], r[2], r[3]))
    return out


async def people_to_charge(conn: asyncpg.Connection, first: date, last: date, *, after: str, limit: int) -> list[str]:
    """People with a contribution on file who had charged care in first..last or a charge for the
    period already (it may have to come down), in order after `after` (a page)."""
    rows = await conn.fetch(
        "SELECT DISTINCT c.person_ref FROM contributions_on_file c WHERE c.person_ref > $3 AND ("
        f" EXISTS (SELECT 1 FROM agreements_on_file a WHERE a.person_ref = c.person_ref AND {CHARGED_CARE}"
        " AND a.start_on <= $2 AND (a.end_on IS NULL OR a.end_on >= $1))"
        " OR EXISTS (SELECT 1 FROM contribution_charges ch WHERE ch.person_ref = c.person_ref"
        " AND ch.period_start = $1)) ORDER BY c.person_ref LIMIT $4", first, last, after, limit)
    return [r["person_ref"] for r in rows]


async def lock_people(conn: asyncpg.Connection, people: Iterable[str]) -> None:
    """Each person's charges, locked for the transaction in one (sorted) order."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('invoicing:contribution:' || p))"
                       " FROM unnest($1::text[]) AS t(p) ORDER BY p", sorted(set(people)))


async def charged_care(conn: asyncpg.Connection, people: Sequence[str], first: date, last: date
                       ) -> dict[str, list[AgreementOnFile]]:
    """Each person's council-funded arranged care and ISF agreements active on some day of first..last."""
    ids = [r["agreement_id"] for r in await conn.fetch(
        f"SELECT agreement_id FROM agreements_on_file a WHERE a.person_ref = ANY($1::text[]) AND {CHARGED_CARE}"
        " AND a.start_on <= $3 AND (a.end_on IS NULL OR a.end_on >= $2)", list(people), first, last)]
    out: dict[str, list[AgreementOnFile]] = defaultdict(list)
    for agreement in sorted((await store_facts.agreements(conn, ids)).values(), key=lambda a: a.agreement_id):
        out[agreement.person_ref].append(agreement)
    return out


async def record_death(conn: asyncpg.Connection, agreement_id: str, last_day: date) -> None:
    """The agreement ended because the person died, on `last_day`: no charge after it."""
    await conn.execute("UPDATE agreements_on_file SET ended_by_death = $2 WHERE agreement_id = $1",
                       agreement_id, last_day)


async def deaths(conn: asyncpg.Connection, people: Sequence[str]) -> dict[str, list[date]]:
    """The last day of each agreement ended because the person died."""
    rows = await conn.fetch("SELECT person_ref, ended_by_death FROM agreements_on_file"
                            " WHERE person_ref = ANY($1::text[]) AND ended_by_death IS NOT NULL", list(people))
    out: dict[str, list[date]] = defaultdict(list)
    for r in rows:
        out[r["person_ref"]].append(r["ended_by_death"])
    return out


async def delivered(conn: asyncpg.Connection, agreement_ids: Sequence[str], first: date, last: date
                    ) -> list[DeliveredVisit]:
    """Confirmed actuals of the agreements by day in first..last (verified amounts at their latest revision)."""
    if not agreement_ids:
        return []
    rows = await conn.fetch(
        "SELECT agreement_id, local_date, sum(amount_pence) AS amount FROM confirmed_visits"
        " WHERE agreement_id = ANY($1::text[]) AND week_start BETWEEN $2 AND $4 AND local_date BETWEEN $3 AND $4"
        " GROUP BY agreement_id, local_date", list(agreement_ids), week_start(first), first, last)
    return [DeliveredVisit(r["agreement_id"], r["local_date"], int(r["amount"])) for r in rows]


async def latest_charges(conn: asyncpg.Connection, people: Sequence[str], period_start: date
                         ) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (person_ref) * FROM contribution_charges WHERE person_ref = ANY($1::text[])"
        " AND period_start = $2 ORDER BY person_ref, revision DESC", list(people), period_start)
    return {r["person_ref"]: r for r in rows}


async def charged_periods(conn: asyncpg.Connection, person_ref: str, from_day: date) -> list[tuple[date, date]]:
    """The periods already charged for the person that end on or after `from_day`, oldest first."""
    rows = await conn.fetch("SELECT DISTINCT period_start, period_end FROM contribution_charges"
                            " WHERE person_ref = $1 AND period_end >= $2 ORDER BY period_start", person_ref, from_day)
    return [(r["period_start"], r["period_end"]) for r in rows]


async def insert_charges(conn: asyncpg.Connection, rows: Sequence[tuple], computed_by: str) -> None:
    """(charge_id, person_ref, period_start, period_end, revision, contribution, care cost, charged, change,
    capped, reason) each."""
    await conn.executemany(
        "INSERT INTO contribution_charges (charge_id, person_ref, period_start, period_end, revision,"
        " contribution_pence, care_cost_pence, charged_pence, change_pence, capped, reason, computed_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", [(*r, computed_by) for r in rows])


# Newest period first, then newest revision first (charge ids sort by creation): unique and stable, the order
# the list is paged on (indexes: migrations/0010_list_pages.sql).
CHARGE_PAGES = Keyset(("period_start", "charge_id"), descending=True)


async def list_charges(conn: asyncpg.Connection, person_ref: str | None, period_start: date | None, *,
                       after: Sequence | None, fetch: int) -> list[asyncpg.Record]:
    """A page of charge revisions in CHARGE_PAGES order: at most `fetch`, strictly after the key `after`."""
    page, args = CHARGE_PAGES.after(after, first_param=3)
    return await conn.fetch(
        "SELECT * FROM contribution_charges WHERE ($1::text IS NULL OR person_ref = $1)"
        f" AND ($2::date IS NULL OR period_start = $2) AND {page} ORDER BY {CHARGE_PAGES.order_by}"
        f" LIMIT ${3 + len(args)}", person_ref, period_start, *args, fetch)


async def charge(conn: asyncpg.Connection, charge_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM contribution_charges WHERE charge_id = $1", charge_id)


async def has_contribution(conn: asyncpg.Connection, person_ref: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM contributions_on_file WHERE person_ref = $1 LIMIT 1",
                                    person_ref))
