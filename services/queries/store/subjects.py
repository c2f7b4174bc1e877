"""SQL of the subjects read model: the owner facts of everything a query can be about."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg

from contracts.queries import SubjectKind


@dataclass(frozen=True)
class KnownSubject:
    kind: SubjectKind
    subject_id: str
    provider_id: str | None
    person_refs: tuple[str, ...]
    agreement_id: str | None


async def record(conn: asyncpg.Connection, kind: SubjectKind, subject_id: str, *, provider_id: str | None,
                 person_refs: Sequence[str] = (), agreement_id: str | None = None) -> None:
    """Know the subject (or refresh its owners); a repeat of the same facts writes nothing."""
    await conn.execute(
        "INSERT INTO subjects (kind, subject_id, provider_id, person_refs, agreement_id)"
        " VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (kind, subject_id) DO UPDATE SET provider_id = EXCLUDED.provider_id,"
        "   person_refs = EXCLUDED.person_refs, agreement_id = EXCLUDED.agreement_id"
        " WHERE (subjects.provider_id, subjects.person_refs, subjects.agreement_id)"
        "   IS DISTINCT FROM (EXCLUDED.provider_id, EXCLUDED.person_refs, EXCLUDED.agreement_id)",
        kind.value, subject_id, provider_id, sorted(set(person_refs)), agreement_id)


async def record_visits(conn: asyncpg.Connection, visits: dict[str, tuple[str, str, str]]) -> None:
    """`record` for many visits at once: visit_key -> (provider_id, person_ref, agreement_id)."""
    if not visits:
        return
    keys = sorted(visits)  # one order for every batch: concurrent batches never deadlock
    await conn.execute(
        "INSERT INTO subjects (kind, subject_id, provider_id, person_refs, agreement_id)"
        " SELECT $1, k, p, ARRAY[r], a FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS v(k, p, r, a)"
        " ON CONFLICT (kind, subject_id) DO UPDATE SET provider_id = EXCLUDED.provider_id,"
        "   person_refs = EXCLUDED.person_refs, agreement_id = EXCLUDED.agreement_id"
        " WHERE (subjects.provider_id, subjects.person_refs, subjects.agreement_id)"
        "   IS DISTINCT FROM (EXCLUDED.provider_id, EXCLUDED.person_refs, EXCLUDED.agreement_id)",
        SubjectKind.VISIT.value, keys, [visits[k][0] for k in keys], [visits[k][1] for k in keys],
        [visits[k][2] for k in keys])


async def find(conn: asyncpg.Connection, kind: SubjectKind, subject_id: str) -> KnownSubject | None:
    row = await conn.fetchrow("SELECT * FROM subjects WHERE kind = $1 AND subject_id = $2", kind.value, subject_id)
    if row is None:
        return None
    return KnownSubject(SubjectKind(row["kind"]), row["subject_id"], row["provider_id"], tuple(row["person_refs"]),
                        row["agreement_id"])


async def record_version(conn: asyncpg.Connection, agreement_id: str, version: int, effective_from: date) -> None:
    await conn.execute("INSERT INTO agreement_versions (agreement_id, version, effective_from) VALUES ($1, $2, $3)"
                       " ON CONFLICT DO NOTHING", agreement_id, version, effective_from)


async def version_of(conn: asyncpg.Connection, agreement_id: str, version: int) -> date | None:
    """The date a version of the agreement's terms takes effect from, or None if never seen."""
    return await conn.fetchval("SELECT effective_from FROM agreement_versions WHERE agreement_id = $1"
                               " AND version = $2", agreement_id, version)
