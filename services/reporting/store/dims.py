"""SQL of agreement and direct payment dims, provider names and the social workers of each person.

Locking protocol: a batch that counts facts under an agreement's dims holds its dim row FOR SHARE
(delivery, invoicing, payments); a batch that changes a dim holds it FOR UPDATE (agreements) and
then moves the facts already counted. So a fact is never counted under dims that change unseen.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

import asyncpg

from services.reporting.domain.dims import AgreementDim


_COLUMNS = "agreement_id, person_ref, provider_id, service_type, mechanism, funded_by, mechanisms, cost_centre"
# unnest of the columns above; `mechanisms` as JSON text (asyncpg would read a list of lists as a 2-D array).
_UNNEST = ("unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]::jsonb[],"
           " $8::text[])")


def _columns(rows: list[AgreementDim]) -> list[list]:
    return [[d.agreement_id for d in rows], [d.person_ref for d in rows], [d.provider_id for d in rows],
            [d.service_type for d in rows], [d.mechanism for d in rows], [d.funded_by for d in rows],
            [json.dumps([[day.isoformat(), m] for day, m in d.since]) for d in rows], [d.cost_centre for d in rows]]


def _dim(row: asyncpg.Record) -> AgreementDim:
    return AgreementDim(row["agreement_id"], row["person_ref"], row["provider_id"], row["service_type"],
                        row["mechanism"], row["funded_by"],
                        tuple((date.fromisoformat(day), m) for day, m in row["mechanisms"]), row["cost_centre"])


async def lock(conn: asyncpg.Connection, placeholders: Iterable[AgreementDim], *,
               for_update: bool = False) -> dict[str, AgreementDim]:
    """The held dims of these agreements (placeholders created for those never heard of), locked."""
    rows = sorted({d.agreement_id: d for d in placeholders}.values(), key=lambda d: d.agreement_id)
    if not rows:
        return {}
    await conn.execute(f"INSERT INTO agreement_dim ({_COLUMNS}) SELECT * FROM {_UNNEST} ON CONFLICT DO NOTHING",
                       *_columns(rows))
    held = await conn.fetch(
        f"SELECT {_COLUMNS} FROM agreement_dim"
        f" WHERE agreement_id = ANY($1::text[]) ORDER BY agreement_id FOR {'UPDATE' if for_update else 'SHARE'}",
        [d.agreement_id for d in rows])
    return {r["agreement_id"]: _dim(r) for r in held}


async def read(conn: asyncpg.Connection, agreement_ids: Iterable[str]) -> dict[str, AgreementDim]:
    """The dims held for these agreements, unlocked (for a read; those never heard of are absent)."""
    held = await conn.fetch(f"SELECT {_COLUMNS} FROM agreement_dim WHERE agreement_id = ANY($1::text[])",
                            sorted(set(agreement_ids)))
    return {r["agreement_id"]: _dim(r) for r in held}


async def save(conn: asyncpg.Connection, dims: Iterable[AgreementDim]) -> None:
    rows = sorted(dims, key=lambda d: d.agreement_id)
    if rows:
        await conn.execute(
            f"INSERT INTO agreement_dim ({_COLUMNS}) SELECT * FROM {_UNNEST}"
            " ON CONFLICT (agreement_id) DO UPDATE SET person_ref = EXCLUDED.person_ref,"
            " provider_id = EXCLUDED.provider_id, service_type = EXCLUDED.service_type,"
            " mechanism = EXCLUDED.mechanism, funded_by = EXCLUDED.funded_by, mechanisms = EXCLUDED.mechanisms,"
            " cost_centre = EXCLUDED.cost_centre",
            *_columns(rows))


async def save_provider_names(conn: asyncpg.Connection, names: dict[str, str]) -> None:
    if names:
        ids = sorted(names)
        await conn.execute(
            "INSERT INTO provider_dim (provider_id, name) SELECT * FROM unnest($1::text[], $2::text[])"
            " ON CONFLICT (provider_id) DO UPDATE SET name = EXCLUDED.name", ids, [names[i] for i in ids])


async def provider_names(conn: asyncpg.Connection, provider_ids: Iterable[str]) -> dict[str, str]:
    rows = await conn.fetch("SELECT provider_id, name FROM provider_dim WHERE provider_id = ANY($1::text[])",
                            list(set(provider_ids)))
    return {r["provider_id"]: r["name"] for r in rows}


async def apply_social_worker_allocations(conn: asyncpg.Connection, changes: list[tuple[bool, str, str]]) -> None:
    """(allocated?, person_ref, worker_id), in the order published: an allocation adds the pair, its end removes it."""
    for allocated, person_ref, subject in changes:
        if allocated:
            await conn.execute("INSERT INTO person_social_worker (person_ref, subject) VALUES ($1, $2)"
                               " ON CONFLICT DO NOTHING", person_ref, subject)
        else:
            await conn.execute("DELETE FROM person_social_worker WHERE person_ref = $1 AND subject = $2",
                               person_ref, subject)


async def is_social_worker_of(conn: asyncpg.Connection, person_ref: str, subject: str) -> bool:
    return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM person_social_worker"
                               " WHERE person_ref = $1 AND subject = $2)", person_ref, subject)
