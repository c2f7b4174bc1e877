"""SQL of the contribution charges and accepted ISF returns a person's statement shows."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

import asyncpg

from services.reporting.domain.person_charges import (ContributionCharge, IsfReturn, IsfSubcontractor, IsfSupport,
                                                      latest_revisions)

_CHARGE = ("person_ref, period_start, period_end, revision, charge_id, contribution_pence, care_cost_pence,"
           " charged_pence, capped, reason")
_RETURN = ("return_id, agreement_id, provider_id, person_ref, period_start, period_end, budget_pence, spend_pence,"
           " by_support, by_subcontractor, balance_pence")


async def save_charges(conn: asyncpg.Connection, charges: Iterable[ContributionCharge]) -> None:
    """Each person and period at its highest revision heard (an older or repeated one changes nothing)."""
    rows = latest_revisions(charges)
    if not rows:
        return
    names = _CHARGE.split(", ")
    await conn.execute(
        f"INSERT INTO contribution_charge ({_CHARGE}) SELECT * FROM unnest($1::text[], $2::date[], $3::date[],"
        " $4::int[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bool[], $10::text[])"
        " ON CONFLICT (person_ref, period_start) DO UPDATE SET"
        + ", ".join(f" {n} = EXCLUDED.{n}" for n in names[2:])
        + " WHERE contribution_charge.revision < EXCLUDED.revision",
        *[[getattr(c, n) for c in rows] for n in names])


async def save_returns(conn: asyncpg.Connection, returns: Iterable[IsfReturn]) -> None:
    """Each accepted return as the event says it (read again: the same row)."""
    rows = sorted({r.return_id: r for r in returns}.values(), key=lambda r: r.return_id)
    if not rows:
        return
    names = _RETURN.split(", ")
    await conn.executemany(
        f"INSERT INTO isf_return ({_RETURN}) VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))})"
        " ON CONFLICT (return_id) DO UPDATE SET" + ", ".join(f" {n} = EXCLUDED.{n}" for n in names[1:]),
        [(*(getattr(r, n) for n in names[:8]), [asdict(s) for s in r.by_support],
          [asdict(s) for s in r.by_subcontractor], r.balance_pence) for r in rows])


async def charges_overlapping(conn: asyncpg.Connection, person_ref: str, first: date, last: date
                              ) -> list[ContributionCharge]:
    """The person's charges for periods overlapping [first, last], oldest first."""
    rows = await conn.fetch(f"SELECT {_CHARGE} FROM contribution_charge WHERE person_ref = $1"
                            " AND period_start <= $3 AND period_end >= $2 ORDER BY period_start",
                            person_ref, first, last)
    return [ContributionCharge(**dict(r)) for r in rows]


async def returns_overlapping(conn: asyncpg.Connection, person_ref: str, first: date, last: date) -> list[IsfReturn]:
    """The person's accepted ISF returns for periods overlapping [first, last], by period then provider."""
    rows = await conn.fetch(f"SELECT {_RETURN} FROM isf_return WHERE person_ref = $1"
                            " AND period_start <= $3 AND period_end >= $2"
                            " ORDER BY period_start, provider_id, agreement_id", person_ref, first, last)
    return [IsfReturn(**{**dict(r), "by_support": tuple(IsfSupport(**s) for s in r["by_support"]),
                         "by_subcontractor": tuple(IsfSubcontractor(**s) for s in r["by_subcontractor"])})
            for r in rows]
