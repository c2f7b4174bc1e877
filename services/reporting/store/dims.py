"""SQL of agreement dims, provider names and the social workers of each person.

Locking protocol: a batch that counts facts under an agreement's dims holds its dim row FOR SHARE
(delivery, invoicing, payments); a batch that changes a dim holds it FOR UPDATE (agreements) and
then moves the facts already counted. So a fact is never counted under dims that change unseen.
"""
from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from services.reporting.domain.dims import AgreementDim


async def lock(conn: asyncpg.Connection, placeholders: Iterable[AgreementDim], *,
               for_update: bool = False) -> dict[str, AgreementDim]:
    """The held dims of these agreements (placeholders created for those never heard of), locked."""
    rows = sorted({d.agreement_id: d for d in placeholders}.values(), key=lambda d: d.agreement_id)
    if not rows:
        return {}
    await conn.execute(
        "INSERT INTO agreement_dim (agreement_id, person_ref, provider_id, service_type)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING",
        [d.agreement_id for d in rows], [d.person_ref for d in rows], [d.provider_id for d in rows],
        [d.service_type for d in rows])
    held = await conn.fetch(
        "SELECT agreement_id, person_ref, provider_id, service_type FROM agreement_dim"
        f" WHERE agreement_id = ANY($1::text[]) ORDER BY agreement_id FOR {'UPDATE' if for_update else 'SHARE'}",
        [d.agreement_id for d in rows])
    return {r["agreement_id"]: AgreementDim(**dict(r)) for r in held}


async def save(conn: asyncpg.Connection, dims: Iterable[AgreementDim]) -> None:
    rows = sorted(dims, key=lambda d: d.agreement_id)
    if rows:
        await conn.execute(
            "INSERT INTO agreement_dim (agreement_id, person_ref, provider_id, service_type)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
            " ON CONFLICT (agreement_id) DO UPDATE SET person_ref = EXCLUDED.person_ref,"
            " provider_id = EXCLUDED.provider_id, service_type = EXCLUDED.service_type",
            [d.agreement_id for d in rows], [d.person_ref for d in rows], [d.provider_id for d in rows],
            [d.service_type for d in rows])


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
