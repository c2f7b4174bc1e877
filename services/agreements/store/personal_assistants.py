"""SQL of personal assistants (`personal_assistants`): the PA's name is kept here and read back only
beside the domain object, never inside it; their bank details are in `bank_details`."""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts.agreements import PersonalAssistantRate
from services.agreements.domain.personal_assistants import PersonalAssistant
from shared.pagination import Keyset

IN_ORDER = Keyset(("employed_from", "employee_ref"))  # a direct payment's PAs

COLUMNS = "pa_id, direct_payment_id, person_ref, name, employee_ref, employed_from, employed_to, rates"


def _assistant(row: asyncpg.Record) -> tuple[PersonalAssistant, str]:
    return PersonalAssistant(
        pa_id=row["pa_id"], direct_payment_id=row["direct_payment_id"], person_ref=row["person_ref"],
        employee_ref=row["employee_ref"], employed_from=row["employed_from"], employed_to=row["employed_to"],
        rates=tuple(PersonalAssistantRate.model_validate(r) for r in row["rates"])), row["name"]


def _rates(assistant: PersonalAssistant) -> list[dict]:
    return [r.model_dump(mode="json") for r in assistant.rates]


async def insert(conn: asyncpg.Connection, assistant: PersonalAssistant, *, name: str, registered_by: str) -> bool:
    """False when the direct payment already has a PA with this employee_ref."""
    row = await conn.fetchrow(
        "INSERT INTO personal_assistants (pa_id, direct_payment_id, person_ref, name, employee_ref, employed_from,"
        " employed_to, rates, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (direct_payment_id, employee_ref) DO NOTHING RETURNING pa_id",
        assistant.pa_id, assistant.direct_payment_id, assistant.person_ref, name, assistant.employee_ref,
        assistant.employed_from, assistant.employed_to, _rates(assistant), registered_by)
    return row is not None


async def get(conn: asyncpg.Connection, pa_id: str, *,
              for_update: bool = False) -> tuple[PersonalAssistant, str] | None:
    """The PA and their name."""
    row = await conn.fetchrow(f"SELECT {COLUMNS} FROM personal_assistants WHERE pa_id = $1"
                              + (" FOR UPDATE" if for_update else ""), pa_id)
    return _assistant(row) if row else None


async def of_direct_payment(conn: asyncpg.Connection, agreement_id: str, *, after: tuple[date, str] | None = None,
                           limit: int = 1000) -> list[tuple[PersonalAssistant, str]]:
    """A page of the PAs employed under the direct payment (with their names), by employed_from then
    employee_ref (unique within the payment), after the key `after`."""
    later, args = IN_ORDER.after(after, first_param=2)
    rows = await conn.fetch(f"SELECT {COLUMNS} FROM personal_assistants WHERE direct_payment_id = $1 AND {later}"
                            f" ORDER BY {IN_ORDER.order_by} LIMIT ${2 + len(args)}", agreement_id, *args, limit)
    return [_assistant(r) for r in rows]


async def save(conn: asyncpg.Connection, assistant: PersonalAssistant) -> None:
    """Write what may change: the rates and the end of employment."""
    await conn.execute("UPDATE personal_assistants SET rates = $2, employed_to = $3, updated_at = now()"
                       " WHERE pa_id = $1", assistant.pa_id, _rates(assistant), assistant.employed_to)
