"""SQL of what invoicing is told: agreements, providers and commitments (the latest of each)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import asyncpg

from contracts.common import Cycle, Funding, PaymentBasis, ServiceType, SpendMechanism
from services.invoicing.domain.commitments import CommitmentOnFile, RateFrom
from services.invoicing.domain.facts import AgreementOnFile, PlanTerms, ProviderFacts, Suspension


async def keep_agreement(conn: asyncpg.Connection, agreement: AgreementOnFile, occurred_at: datetime) -> bool:
    """Replace the copy with this one unless a later event already replaced it; True when kept."""
    plan = [{"version": t.version, "effective_from": t.effective_from.isoformat(),
             "weekly_units": str(t.weekly_units), "rate_pence": t.rate_pence} for t in agreement.plan]
    suspensions = [{"suspended_from": s.suspended_from.isoformat(),
                    "resumed_on": s.resumed_on.isoformat() if s.resumed_on else None} for s in agreement.suspensions]
    kept = await conn.fetchval(
        "INSERT INTO agreements_on_file (agreement_id, provider_id, person_ref, service_type, basis, cycle, start_on,"
        " end_on, plan, suspensions, last_event_at, mechanism, funding, cost_centre)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (agreement_id) DO UPDATE SET provider_id = EXCLUDED.provider_id,"
        " person_ref = EXCLUDED.person_ref, service_type = EXCLUDED.service_type, basis = EXCLUDED.basis,"
        " cycle = EXCLUDED.cycle, start_on = EXCLUDED.start_on, end_on = EXCLUDED.end_on, plan = EXCLUDED.plan,"
        " suspensions = EXCLUDED.suspensions, last_event_at = EXCLUDED.last_event_at, mechanism = EXCLUDED.mechanism,"
        " funding = EXCLUDED.funding, cost_centre = EXCLUDED.cost_centre, updated_at = now()"
        " WHERE agreements_on_file.last_event_at <= EXCLUDED.last_event_at RETURNING true",
        agreement.agreement_id, agreement.provider_ref, agreement.person_ref,
        agreement.service_type.value if agreement.service_type else "", agreement.basis.value, agreement.cycle.value,
        agreement.start, agreement.end, plan, suspensions, occurred_at, agreement.mechanism.value,
        agreement.funding.value, agreement.cost_centre)
    return bool(kept)


def _agreement(row: asyncpg.Record) -> AgreementOnFile:
    plan = tuple(PlanTerms(p["version"], date.fromisoformat(p["effective_from"]), Decimal(p["weekly_units"]),
                           p["rate_pence"]) for p in row["plan"])
    suspensions = tuple(Suspension(date.fromisoformat(s["suspended_from"]),
                                   date.fromisoformat(s["resumed_on"]) if s["resumed_on"] else None)
                        for s in row["suspensions"])
    return AgreementOnFile(row["agreement_id"], row["provider_id"], row["person_ref"], PaymentBasis(row["basis"]),
                           Cycle(row["cycle"]), row["start_on"], row["end_on"], plan, suspensions,
                           ServiceType(row["service_type"]) if row["service_type"] else None,
                           SpendMechanism(row["mechanism"]), Funding(row["funding"]), row["cost_centre"])


async def agreements(conn: asyncpg.Connection, agreement_ids: Iterable[str]) -> dict[str, AgreementOnFile]:
    rows = await conn.fetch("SELECT * FROM agreements_on_file WHERE agreement_id = ANY($1::text[])",
                            list(set(agreement_ids)))
    return {r["agreement_id"]: _agreement(r) for r in rows}


async def plan_agreements_overlapping(conn: asyncpg.Connection, first: date, last: date, *, after: str,
                                      limit: int, isf: bool = False) -> list[AgreementOnFile]:
    """Plan agreements active on some day of first..last, in id order after `after` (a page): individual
    service funds only when `isf` (they are advanced), every other plan agreement otherwise (scheduled)."""
    rows = await conn.fetch(
        "SELECT * FROM agreements_on_file WHERE basis = 'plan' AND start_on <= $2"
        " AND (end_on IS NULL OR end_on >= $1) AND agreement_id > $3 AND (mechanism = 'isf') = $5"
        " ORDER BY agreement_id LIMIT $4",
        first, last, after, limit, isf)
    return [_agreement(r) for r in rows]


async def actuals_agreements_of_provider(conn: asyncpg.Connection, provider_id: str) -> list[str]:
    return [r["agreement_id"] for r in await conn.fetch(
        "SELECT agreement_id FROM agreements_on_file WHERE provider_id = $1 AND basis = 'actuals'", provider_id)]


async def keep_provider(conn: asyncpg.Connection, provider_id: str, *, self_billing: bool | None = None,
                        bank_details_verified: bool | None = None) -> None:
    """Record what an event says; a fact it does not mention keeps its value."""
    await conn.execute(
        "INSERT INTO providers_on_file (provider_id, self_billing_in_place, bank_details_verified)"
        " VALUES ($1, coalesce($2, false), coalesce($3, false))"
        " ON CONFLICT (provider_id) DO UPDATE SET"
        " self_billing_in_place = coalesce($2, providers_on_file.self_billing_in_place),"
        " bank_details_verified = coalesce($3, providers_on_file.bank_details_verified), updated_at = now()",
        provider_id, self_billing, bank_details_verified)


def _provider(row: asyncpg.Record) -> ProviderFacts:
    return ProviderFacts(row["provider_id"], row["bank_details_verified"], row["self_billing_in_place"],
                         row["lines_per_day"])


async def providers(conn: asyncpg.Connection, provider_ids: Iterable[str]) -> dict[str, ProviderFacts]:
    """Facts of each provider; one we were never told of can neither self-bill nor be paid."""
    ids = list(set(provider_ids))
    rows = await conn.fetch("SELECT * FROM providers_on_file WHERE provider_id = ANY($1::text[])", ids)
    known = {r["provider_id"]: _provider(r) for r in rows}
    return {i: known.get(i) or ProviderFacts(i, bank_details_verified=False) for i in ids}


async def provider(conn: asyncpg.Connection, provider_id: str) -> ProviderFacts:
    return (await providers(conn, [provider_id]))[provider_id]


async def keep_commitments(conn: asyncpg.Connection, person_ref: str, as_of: date,
                           by_agreement: dict[str, CommitmentOnFile]) -> None:
    """Each agreement's latest commitment: its weekly figure, and its rates by business date from the latest
    event that said them (one that says none keeps those on file). An agreement that leaves the person's
    commitment (ended) keeps its last figures: its final invoices are still bounded by them."""
    if not by_agreement:
        return
    rates = [json.dumps([{"from_date": r.from_date.isoformat(), "weekly_pence": r.weekly_pence} for r in c.rates])
             for c in by_agreement.values()]
    await conn.execute(
        "INSERT INTO commitments (agreement_id, person_ref, weekly_pence, as_of, rates)"
        " SELECT a, $1, w, $2, r::jsonb FROM unnest($3::text[], $4::bigint[], $5::text[]) AS t(a, w, r)"
        " ON CONFLICT (agreement_id) DO UPDATE SET weekly_pence = EXCLUDED.weekly_pence, as_of = EXCLUDED.as_of,"
        " person_ref = EXCLUDED.person_ref, updated_at = now(),"
        " rates = CASE WHEN jsonb_array_length(EXCLUDED.rates) > 0 THEN EXCLUDED.rates ELSE commitments.rates END"
        " WHERE commitments.as_of <= EXCLUDED.as_of",
        person_ref, as_of, list(by_agreement), [c.weekly_pence for c in by_agreement.values()], rates)


async def commitments(conn: asyncpg.Connection, agreement_ids: Iterable[str]) -> dict[str, CommitmentOnFile]:
    rows = await conn.fetch("SELECT agreement_id, weekly_pence, rates FROM commitments"
                            " WHERE agreement_id = ANY($1::text[])", list(set(agreement_ids)))
    return {r["agreement_id"]: CommitmentOnFile(r["weekly_pence"], tuple(
        RateFrom(date.fromisoformat(x["from_date"]), x["weekly_pence"]) for x in r["rates"])) for r in rows}
