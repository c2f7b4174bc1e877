"""SQL of agreements: the agreement row, every version of its terms, its suspensions."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from contracts.agreements import AgreementTerms, EndReason, SuspensionPeriod
from contracts.common import Cycle, Funding, PaymentBasis, ServiceType, SpendMechanism
from services.agreements.domain.agreements import Agreement, AgreementStatus
from shared.pagination import Keyset

# Lists of agreements: oldest first, as drafted (index agreements_in_order, and per provider).
IN_ORDER = Keyset(("created_at", "agreement_id"))
ListKey = tuple[datetime, str]


async def lock_person(conn: asyncpg.Connection, person_ref: str) -> None:
    """Serialise changes to one person's agreements (overlap checks and commitments read them all)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('agreements:person:' || $1))", person_ref)


def _agreement(row: asyncpg.Record, terms: list[asyncpg.Record], suspensions: list[asyncpg.Record]) -> Agreement:
    def maybe(kind, value):
        return kind(value) if value is not None else None

    return Agreement(
        agreement_id=row["agreement_id"], person_ref=row["person_ref"], service_type=ServiceType(row["service_type"]),
        status=AgreementStatus(row["status"]), request_id=row["request_id"], provider_id=row["provider_id"],
        payment_basis=maybe(PaymentBasis, row["payment_basis"]), cycle=maybe(Cycle, row["cycle"]),
        start=row["start_date"], end=row["end_date"], concurrent=row["concurrent"],
        terms=tuple(AgreementTerms.model_validate(t["terms"]) for t in sorted(terms, key=lambda t: t["version"])),
        suspensions=tuple(SuspensionPeriod(suspended_from=s["suspended_from"], resumed_on=s["resumed_on"],
                                           reason=s["reason"]) for s in sorted(suspensions,
                                                                               key=lambda s: s["suspended_from"])),
        end_reason=maybe(EndReason, row["end_reason"]), preferred_provider_id=row["preferred_provider_id"],
        arranged_as=SpendMechanism(row["arranged_as"]), funding=Funding(row["funding"]),
        direct_payment_id=row["direct_payment_id"], cost_centre=row["cost_centre"])


async def _load_rows(conn: asyncpg.Connection, where: str, *args: Any,
                     limit: int = 1000) -> list[tuple[asyncpg.Record, Agreement]]:
    rows = await conn.fetch(f"SELECT * FROM agreements WHERE {where} ORDER BY {IN_ORDER.order_by}"
                            f" LIMIT {int(limit)}", *args)
    ids = [r["agreement_id"] for r in rows]
    terms = await conn.fetch("SELECT agreement_id, version, terms FROM agreement_terms"
                             " WHERE agreement_id = ANY($1::text[])", ids)
    suspensions = await conn.fetch("SELECT * FROM agreement_suspensions WHERE agreement_id = ANY($1::text[])", ids)
    return [(r, _agreement(r, [t for t in terms if t["agreement_id"] == r["agreement_id"]],
                           [s for s in suspensions if s["agreement_id"] == r["agreement_id"]])) for r in rows]


async def _load(conn: asyncpg.Connection, where: str, *args: Any, limit: int = 1000) -> list[Agreement]:
    return [agreement for _, agreement in await _load_rows(conn, where, *args, limit=limit)]


async def get(conn: asyncpg.Connection, agreement_id: str) -> Agreement | None:
    found = await _load(conn, "agreement_id = $1", agreement_id)
    return found[0] if found else None


async def get_locked(conn: asyncpg.Connection, agreement_id: str) -> Agreement | None:
    """The agreement, with its person locked for the rest of the transaction."""
    person_ref = await conn.fetchval("SELECT person_ref FROM agreements WHERE agreement_id = $1", agreement_id)
    if person_ref is None:
        return None
    await lock_person(conn, person_ref)
    return await get(conn, agreement_id)


async def for_person(conn: asyncpg.Connection, person_ref: str) -> list[Agreement]:
    return await _load(conn, "person_ref = $1", person_ref)


async def search(conn: asyncpg.Connection, *, person_ref: str | None, provider_id: str | None,
                 request_id: str | None, status: str | None, after: ListKey | None,
                 limit: int) -> list[tuple[ListKey, Agreement]]:
    """A page of the agreements matching every filter given (None: any), oldest first, after the key `after`;
    each with its key."""
    later, args = IN_ORDER.after(after, first_param=5)
    found = await _load_rows(
        conn, "($1::text IS NULL OR person_ref = $1) AND ($2::text IS NULL OR provider_id = $2)"
              f" AND ($3::text IS NULL OR request_id = $3) AND ($4::text IS NULL OR status = $4) AND {later}",
        person_ref, provider_id, request_id, status, *args, limit=limit)
    return [((row["created_at"], row["agreement_id"]), agreement) for row, agreement in found]


async def of_provider(conn: asyncpg.Connection, provider_id: str, service_type: str, *,
                      limit: int = 10_000) -> list[Agreement]:
    """The provider's activated agreements (active, suspended, ended) of one service type."""
    return await _load(conn, "provider_id = $1 AND service_type = $2 AND status IN ('active', 'suspended', 'ended')",
                       provider_id, service_type, limit=limit)


async def people_of_provider(conn: asyncpg.Connection, provider_id: str, service_type: str) -> list[str]:
    """Whose activated agreements with the provider for the service these are, in the order to lock them."""
    return [r["person_ref"] for r in await conn.fetch(
        "SELECT DISTINCT person_ref FROM agreements WHERE provider_id = $1 AND service_type = $2"
        " AND status IN ('active', 'suspended', 'ended') ORDER BY person_ref", provider_id, service_type)]


async def insert_draft(conn: asyncpg.Connection, agreement: Agreement, origin: str) -> bool:
    """False when this approved request already has its draft (a redelivered or repeated approval)."""
    row = await conn.fetchrow(
        "INSERT INTO agreements (agreement_id, origin, request_id, person_ref, service_type, status, provider_id,"
        " preferred_provider_id, payment_basis, cycle, start_date, arranged_as, funding, direct_payment_id,"
        " cost_centre) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (request_id) WHERE origin = 'approved_request' AND status <> 'cancelled' DO NOTHING"
        " RETURNING agreement_id",
        agreement.agreement_id, origin, agreement.request_id, agreement.person_ref, agreement.service_type.value,
        agreement.provider_id, agreement.preferred_provider_id,
        agreement.payment_basis.value if agreement.payment_basis else None,
        agreement.cycle.value if agreement.cycle else None, agreement.start, agreement.arranged_as.value,
        agreement.funding.value, agreement.direct_payment_id, agreement.cost_centre)
    return row is not None


async def save(conn: asyncpg.Connection, agreement: Agreement, made_by: str) -> None:
    """Write the agreement's state, any version of terms not yet stored, and its suspensions.

    A draft's version 1 may be rewritten while it is a draft; once activated, versions are history
    and are only ever added.
    """
    await conn.execute(
        "UPDATE agreements SET status = $2, provider_id = $3, payment_basis = $4, cycle = $5, start_date = $6,"
        " end_date = $7, concurrent = $8, end_reason = $9, funding = $10, direct_payment_id = $11,"
        " cost_centre = $12, updated_at = now() WHERE agreement_id = $1",
        agreement.agreement_id, agreement.status.value, agreement.provider_id,
        agreement.payment_basis.value if agreement.payment_basis else None,
        agreement.cycle.value if agreement.cycle else None, agreement.start, agreement.end, agreement.concurrent,
        agreement.end_reason.value if agreement.end_reason else None, agreement.funding.value,
        agreement.direct_payment_id, agreement.cost_centre)
    rewrite_draft = agreement.status is AgreementStatus.DRAFT
    for terms in agreement.terms:
        await conn.execute(
            "INSERT INTO agreement_terms (agreement_id, version, effective_from, terms, made_by)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agreement_id, version) DO "
            + ("UPDATE SET effective_from = EXCLUDED.effective_from, terms = EXCLUDED.terms,"
               " made_by = EXCLUDED.made_by, made_at = now()" if rewrite_draft else "NOTHING"),
            agreement.agreement_id, terms.version, terms.effective_from, terms.model_dump(mode="json"), made_by)
    for period in agreement.suspensions:
        await conn.execute(
            "INSERT INTO agreement_suspensions (agreement_id, suspended_from, resumed_on, reason)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (agreement_id, suspended_from)"
            " DO UPDATE SET resumed_on = EXCLUDED.resumed_on",
            agreement.agreement_id, period.suspended_from, period.resumed_on, period.reason.value)


async def cancel_drafts_for_request(conn: asyncpg.Connection, request_id: str) -> int:
    result = await conn.execute("UPDATE agreements SET status = 'cancelled', updated_at = now()"
                                " WHERE request_id = $1 AND status = 'draft'", request_id)
    return int(result.split()[-1])
