"""SQL of requests themselves (`service_requests`) and of the personal details kept with them
(`request_personal_details`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from contracts.common import Mechanism, Nominee, ServiceType
from shared.clock import london_date
from shared.pagination import Keyset
from services.requests.domain.assessment import Assessment
from services.requests.domain.budget import Budget
from services.requests.domain.lifecycle import RequestStatus
from services.requests.domain.mechanism import MechanismChoice
from services.requests.domain.request import RequestedBy, ServiceRequest


# Lists page newest first on (created_at, request_id): unique, and indexed (migrations 0006).
NEWEST_FIRST = Keyset(("r.created_at", "r.request_id"), descending=True)
LIST_KEY_TYPES = (datetime, str)


@dataclass(frozen=True)
class PersonalDetails:
    """Who the person is. Stored here only; never published, never logged."""

    name: str
    address: str | None = None
    contact: str | None = None


async def insert_request(conn: asyncpg.Connection, request: ServiceRequest, created_by: str,
                         personal_details: PersonalDetails | None = None) -> None:
    await conn.execute(
        "INSERT INTO service_requests (request_id, person_ref, requested_by, requested_start, needs,"
        " status, created_by, service_type, locality) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        request.request_id, request.person_ref, request.requested_by.value, request.requested_start,
        list(request.needs), request.status.value, created_by,
        request.service_type.value if request.service_type else None, request.locality,
    )
    if personal_details is not None:
        await conn.execute(
            "INSERT INTO request_personal_details (request_id, name, address, contact) VALUES ($1, $2, $3, $4)",
            request.request_id, personal_details.name, personal_details.address, personal_details.contact,
        )


async def load_for_update(conn: asyncpg.Connection, request_id: str) -> ServiceRequest | None:
    """The request, locked until the transaction ends so two steps cannot interleave."""
    row = await conn.fetchrow("SELECT * FROM service_requests WHERE request_id = $1 FOR UPDATE", request_id)
    return None if row is None else request_from_row(row)


async def save_state(conn: asyncpg.Connection, request: ServiceRequest) -> None:
    """Write every field a step may change."""
    a, b, c = request.assessment, request.budget, request.choice
    await conn.execute(
        "UPDATE service_requests SET status = $2, eligible = $3, assessed_service_type = $4,"
        " assessed_needs = $5, assessed_outcomes = $6, weekly_budget_pence = $7,"
        " weekly_contribution_pence = $8, mechanism = $9, nominee = $10, preferred_provider_id = $11,"
        " service_start = $12, days_from_request_to_start = $13, updated_at = now()"
        " WHERE request_id = $1",
        request.request_id, request.status.value,
        a.eligible if a else None, a.service_type.value if a else None,
        list(a.needs) if a else None, list(a.outcomes) if a else None,
        b.weekly_budget_pence if b else None, b.weekly_contribution_pence if b else None,
        c.mechanism.value if c else None, c.nominee.value if c and c.nominee else None,
        c.preferred_provider_id if c else None,
        request.service_start, request.days_to_start,
    )


async def get_request(conn: asyncpg.Connection, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM service_requests WHERE request_id = $1", request_id)


async def get_personal_details(conn: asyncpg.Connection, request_id: str) -> PersonalDetails | None:
    row = await conn.fetchrow("SELECT name, address, contact FROM request_personal_details WHERE request_id = $1",
                              request_id)
    return None if row is None else PersonalDetails(row["name"], row["address"], row["contact"])


async def list_requests(conn: asyncpg.Connection, person_ref: str | None, status: str | None,
                        limit: int, *, after: tuple | None = None,
                        allocated_to: tuple[str, str] | None = None) -> list[asyncpg.Record]:
    """Up to `limit` rows, newest first (NEWEST_FIRST), strictly after the key `after` (created_at,
    request_id) when given; filtered by person and/or status when given; with `allocated_to` (worker id,
    worker role), only the requests of people currently allocated to that worker in that role."""
    worker_id, worker_role = allocated_to or (None, None)
    where, args = NEWEST_FIRST.after(after, first_param=6)
    return await conn.fetch(
        "SELECT * FROM service_requests r WHERE ($1::text IS NULL OR r.person_ref = $1)"
        " AND ($2::text IS NULL OR r.status = $2)"
        " AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM person_allocations a WHERE a.person_ref = r.person_ref"
        f" AND a.worker_id = $4 AND a.worker_role = $5 AND a.ended_at IS NULL)) AND {where}"
        f" ORDER BY {NEWEST_FIRST.order_by} LIMIT $3",
        person_ref, status, limit, worker_id, worker_role, *args,
    )


def request_from_row(row: asyncpg.Record) -> ServiceRequest:
    assessment = budget = choice = None
    if row["eligible"] is not None:
        assessment = Assessment(row["eligible"], ServiceType(row["assessed_service_type"]),
                                tuple(row["assessed_needs"] or ()), tuple(row["assessed_outcomes"] or ()))
    if row["weekly_budget_pence"] is not None:
        budget = Budget(row["weekly_budget_pence"], row["weekly_contribution_pence"])
    if row["mechanism"] is not None:
        choice = MechanismChoice(Mechanism(row["mechanism"]), Nominee(row["nominee"]) if row["nominee"] else None,
                                 row["preferred_provider_id"])
    return ServiceRequest(
        request_id=row["request_id"], person_ref=row["person_ref"], requested_by=RequestedBy(row["requested_by"]),
        requested_start=row["requested_start"], needs=tuple(row["needs"] or ()),
        status=RequestStatus(row["status"]),
        service_type=ServiceType(row["service_type"]) if row["service_type"] else None,
        submitted_on=london_date(row["created_at"]), assessment=assessment, budget=budget, choice=choice,
        service_start=row["service_start"], days_to_start=row["days_from_request_to_start"],
        locality=row["locality"],
    )
