"""SQL of the provider register: providers and rate cards; their bank details through `bank_details`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from contracts.agreements import BankAccount, Rate
from contracts.common import RateUnit, ServiceType
from services.agreements.domain.bank_details import BankDetailsChange
from services.agreements.domain.rates import RateCard
from services.agreements.store import bank_details
from shared.pagination import Keyset

# The register, by name (ties by id: index providers_by_name); a provider's rate cards, by date.
BY_NAME = Keyset(("name", "provider_id"))
CARDS_IN_ORDER = Keyset(("effective_from", "rate_card_id"))

PROVIDER_COLUMNS = ("provider_id, name, cqc_provider_id, cqc_location_ids, service_types, self_billing,"
                    " self_billing_agreed_on, registered_at")


async def insert_provider(conn: asyncpg.Connection, *, provider_id: str, name: str, cqc_provider_id: str,
                          cqc_location_ids: list[str], service_types: list[str], self_billing: bool,
                          self_billing_agreed_on: date | None, registered_by: str) -> bool:
    """False when the CQC provider ID is already registered."""
    row = await conn.fetchrow(
        "INSERT INTO providers (provider_id, name, cqc_provider_id, cqc_location_ids, service_types, self_billing,"
        " self_billing_agreed_on, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (cqc_provider_id) DO NOTHING RETURNING provider_id",
        provider_id, name, cqc_provider_id, cqc_location_ids, service_types, self_billing, self_billing_agreed_on,
        registered_by)
    return row is not None


async def get_provider(conn: asyncpg.Connection, provider_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {PROVIDER_COLUMNS} FROM providers WHERE provider_id = $1", provider_id)


@dataclass(frozen=True)
class ProviderFilter:
    """Which providers a list holds; None is any. `provider_id` keeps a provider's own list to itself."""

    service_type: str | None = None
    cqc_provider_id: str | None = None
    cqc_location_id: str | None = None
    provider_id: str | None = None


async def list_providers(conn: asyncpg.Connection, where: ProviderFilter, *, after: tuple[str, str] | None = None,
                         limit: int = 1000) -> list[asyncpg.Record]:
    """A page of the providers matching `where`, by name then id, after the key `after` (name, provider_id)."""
    later, args = BY_NAME.after(after, first_param=5)
    return await conn.fetch(
        f"SELECT {PROVIDER_COLUMNS} FROM providers WHERE ($1::text IS NULL OR $1 = ANY(service_types))"
        " AND ($2::text IS NULL OR cqc_provider_id = $2) AND ($3::text IS NULL OR $3 = ANY(cqc_location_ids))"
        f" AND ($4::text IS NULL OR provider_id = $4) AND {later} ORDER BY {BY_NAME.order_by}"
        f" LIMIT ${5 + len(args)}",
        where.service_type, where.cqc_provider_id, where.cqc_location_id, where.provider_id, *args, limit)


async def bank_status(conn: asyncpg.Connection, provider_id: str) -> asyncpg.Record | None:
    """Status of the latest change and the last four digits of the account in use (never the whole)."""
    return await bank_details.status(conn, bank_details.PROVIDERS, provider_id)


async def record_bank_change(conn: asyncpg.Connection, change: BankDetailsChange, account: BankAccount) -> None:
    """A new unverified change supersedes any change still waiting: only the latest is checked."""
    await bank_details.record_change(conn, bank_details.PROVIDERS, change, account)


def _card(row: asyncpg.Record) -> RateCard:
    return RateCard(row["rate_card_id"], row["provider_id"], ServiceType(row["service_type"]), RateUnit(row["unit"]),
                    row["effective_from"],
                    row["effective_to"], tuple(Rate.model_validate(r) for r in row["rates"]))


async def rate_cards(conn: asyncpg.Connection, provider_id: str) -> list[RateCard]:
    rows = await conn.fetch("SELECT * FROM rate_cards WHERE provider_id = $1 ORDER BY effective_from, rate_card_id",
                            provider_id)
    return [_card(r) for r in rows]


async def rate_cards_page(conn: asyncpg.Connection, provider_id: str, *, after: tuple[date, str] | None,
                          limit: int) -> list[RateCard]:
    """A page of the provider's rate cards, by effective_from then id, after the key `after`."""
    later, args = CARDS_IN_ORDER.after(after, first_param=2)
    rows = await conn.fetch(f"SELECT * FROM rate_cards WHERE provider_id = $1 AND {later}"
                            f" ORDER BY {CARDS_IN_ORDER.order_by} LIMIT ${2 + len(args)}", provider_id, *args, limit)
    return [_card(r) for r in rows]


async def insert_rate_card(conn: asyncpg.Connection, card: RateCard, published_by: str) -> None:
    await conn.execute(
        "INSERT INTO rate_cards (rate_card_id, provider_id, service_type, unit, effective_from, effective_to, rates,"
        " published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        card.rate_card_id, card.provider_id, card.service_type.value, card.unit.value, card.effective_from,
        card.effective_to, [r.model_dump(mode="json") for r in card.rates], published_by)


async def close_rate_card(conn: asyncpg.Connection, rate_card_id: str, effective_to: date) -> None:
    await conn.execute("UPDATE rate_cards SET effective_to = $2 WHERE rate_card_id = $1", rate_card_id, effective_to)


async def offers_for(conn: asyncpg.Connection, service_type: str) -> list[tuple[str, str, RateCard]]:
    """(provider_id, name, card) for every card of a provider registered for `service_type`."""
    rows = await conn.fetch(
        "SELECT p.name, c.* FROM providers p JOIN rate_cards c USING (provider_id)"
        " WHERE $1 = ANY(p.service_types) AND c.service_type = $1", service_type)
    return [(r["provider_id"], r["name"], _card(r)) for r in rows]
