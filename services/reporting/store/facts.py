"""SQL of the facts kept to compute deltas: attendances, missed visits, invoices, direct payments, managed
accounts' payments out, queries.

Loads lock the rows they return (FOR UPDATE, in key order): the invoicing and payments consumers
both write invoice facts, each its own fields, and must not overwrite each other's.
"""
from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from services.reporting.domain.direct_payments import DirectPaymentFact
from services.reporting.domain.invoices import Invoice
from services.reporting.domain.managed_accounts import ManagedDebit
from services.reporting.domain.queries import QueryState
from services.reporting.domain.visits import Attendance, MissedVisit

_ATTENDANCE = "visit_key, carer_id, revision, agreement_id, local_date, amount_pence, late, short"
_MISSED = "visit_key, agreement_id, local_date, carers, alerted, confirmed"
_DIRECT_PAYMENT = "agreement_id, payment_reference, person_ref, amount_pence, period_start, returned, council_managed"


async def attendances(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Attendance]:
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = await conn.fetch(
        f"SELECT {_ATTENDANCE} FROM visit_fact WHERE (visit_key, carer_id) IN"
        " (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY visit_key, carer_id FOR UPDATE",
        [k[0] for k in keys], [k[1] for k in keys])
    return {(r["visit_key"], r["carer_id"]): Attendance(**dict(r)) for r in rows}


async def save_attendances(conn: asyncpg.Connection, facts: Iterable[Attendance]) -> None:
    rows = sorted(facts, key=lambda a: (a.visit_key, a.carer_id))
    if rows:
        await conn.execute(
            f"INSERT INTO visit_fact ({_ATTENDANCE}) SELECT * FROM unnest($1::text[], $2::text[], $3::int[],"
            " $4::text[], $5::date[], $6::bigint[], $7::bool[], $8::bool[]) ON CONFLICT (visit_key, carer_id)"
            " DO UPDATE SET revision = EXCLUDED.revision, amount_pence = EXCLUDED.amount_pence,"
            " local_date = EXCLUDED.local_date, late = EXCLUDED.late, short = EXCLUDED.short",
            *[[getattr(a, f) for a in rows] for f in _ATTENDANCE.split(", ")])


async def missed_visits(conn: asyncpg.Connection, keys: Iterable[str]) -> dict[str, MissedVisit]:
    rows = await conn.fetch(f"SELECT {_MISSED} FROM missed_visit_fact"
                            " WHERE visit_key = ANY($1::text[]) ORDER BY visit_key FOR UPDATE", sorted(set(keys)))
    return {r["visit_key"]: MissedVisit(**dict(r)) for r in rows}


async def save_missed_visits(conn: asyncpg.Connection, facts: Iterable[MissedVisit]) -> None:
    rows = sorted(facts, key=lambda m: m.visit_key)
    if rows:
        await conn.execute(
            f"INSERT INTO missed_visit_fact ({_MISSED})"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::int[], $5::bool[], $6::bool[])"
            " ON CONFLICT (visit_key) DO UPDATE SET local_date = EXCLUDED.local_date, carers = EXCLUDED.carers,"
            " alerted = EXCLUDED.alerted, confirmed = EXCLUDED.confirmed",
            *[[getattr(m, name) for m in rows] for name in _MISSED.split(", ")])


async def forget_missed_visits(conn: asyncpg.Connection, keys: Iterable[str]) -> None:
    """Visits no longer said to be missed (their confirmed week listed another outcome, and no alert said so)."""
    keys = sorted(set(keys))
    if keys:
        await conn.execute("DELETE FROM missed_visit_fact WHERE visit_key = ANY($1::text[])", keys)


async def facts_of_agreement(conn: asyncpg.Connection, agreement_id: str
                             ) -> tuple[list[Attendance], list[MissedVisit], list[Invoice], list[DirectPaymentFact]]:
    """Everything counted under an agreement's (or direct payment's) dims, to move when the dims change."""
    visits = await conn.fetch(f"SELECT {_ATTENDANCE} FROM visit_fact WHERE agreement_id = $1", agreement_id)
    missed = await conn.fetch(f"SELECT {_MISSED} FROM missed_visit_fact WHERE agreement_id = $1", agreement_id)
    invoices = await conn.fetch("SELECT state FROM invoice_fact WHERE agreement_id = $1"
                                " OR state->'span_agreements' ? $1", agreement_id)
    payments = await conn.fetch(f"SELECT {_DIRECT_PAYMENT} FROM direct_payment_fact WHERE agreement_id = $1",
                                agreement_id)
    return ([Attendance(**dict(r)) for r in visits], [MissedVisit(**dict(r)) for r in missed],
            [Invoice.from_json(r["state"]) for r in invoices], [DirectPaymentFact(**dict(r)) for r in payments])


async def invoices(conn: asyncpg.Connection, placeholders: Iterable[Invoice]) -> dict[str, Invoice]:
    """The held invoices (placeholders stored for those never heard of), locked for update."""
    fresh = sorted({i.invoice_id: i for i in placeholders}.values(), key=lambda i: i.invoice_id)
    if not fresh:
        return {}
    await conn.execute("INSERT INTO invoice_fact (invoice_id, state) SELECT * FROM unnest($1::text[], $2::jsonb[])"
                       " ON CONFLICT DO NOTHING", [i.invoice_id for i in fresh], [i.to_json() for i in fresh])
    rows = await conn.fetch("SELECT state FROM invoice_fact WHERE invoice_id = ANY($1::text[])"
                            " ORDER BY invoice_id FOR UPDATE", [i.invoice_id for i in fresh])
    return {r["state"]["invoice_id"]: Invoice.from_json(r["state"]) for r in rows}


async def save_invoices(conn: asyncpg.Connection, facts: Iterable[Invoice]) -> None:
    rows = sorted(facts, key=lambda i: i.invoice_id)
    if rows:
        await conn.execute(
            "INSERT INTO invoice_fact (invoice_id, state, agreement_id)"
            " SELECT * FROM unnest($1::text[], $2::jsonb[], $3::text[]) ON CONFLICT (invoice_id)"
            " DO UPDATE SET state = EXCLUDED.state, agreement_id = EXCLUDED.agreement_id",
            [i.invoice_id for i in rows], [i.to_json() for i in rows], [i.agreement_id for i in rows])


async def direct_payments(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]
                          ) -> dict[tuple[str, str], DirectPaymentFact]:
    keys = sorted(set(keys))
    rows = await conn.fetch(
        f"SELECT {_DIRECT_PAYMENT} FROM direct_payment_fact WHERE (agreement_id, payment_reference) IN"
        " (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY 1, 2 FOR UPDATE",
        [k[0] for k in keys], [k[1] for k in keys])
    return {(r["agreement_id"], r["payment_reference"]): DirectPaymentFact(**dict(r)) for r in rows}


async def save_direct_payments(conn: asyncpg.Connection, facts: Iterable[DirectPaymentFact]) -> None:
    rows = sorted(facts, key=lambda f: (f.agreement_id, f.payment_reference))
    if rows:
        await conn.execute(
            f"INSERT INTO direct_payment_fact ({_DIRECT_PAYMENT}) SELECT * FROM unnest($1::text[], $2::text[],"
            " $3::text[], $4::bigint[], $5::date[], $6::bool[], $7::bool[])"
            " ON CONFLICT (agreement_id, payment_reference) DO UPDATE SET amount_pence = EXCLUDED.amount_pence,"
            " period_start = EXCLUDED.period_start, returned = EXCLUDED.returned,"
            " council_managed = EXCLUDED.council_managed",
            *[[getattr(f, name) for f in rows] for name in _DIRECT_PAYMENT.split(", ")])


_DEBIT = "agreement_id, payment_reference, payee_id, payee_kind, person_ref, pay_date, amount_pence"


async def managed_debits(conn: asyncpg.Connection, keys: Iterable[tuple[str, str, str]]
                         ) -> dict[tuple[str, str, str], ManagedDebit]:
    keys = sorted(set(keys))
    rows = await conn.fetch(
        f"SELECT {_DEBIT} FROM managed_debit_fact WHERE (agreement_id, payment_reference, payee_id) IN"
        " (SELECT * FROM unnest($1::text[], $2::text[], $3::text[])) ORDER BY 1, 2, 3 FOR UPDATE",
        *[[k[i] for k in keys] for i in range(3)])
    return {(r["agreement_id"], r["payment_reference"], r["payee_id"]): ManagedDebit(**dict(r)) for r in rows}


async def save_managed_debits(conn: asyncpg.Connection, facts: Iterable[ManagedDebit]) -> None:
    """A debit is what one event said: a replay stores the same row again."""
    rows = sorted(facts, key=lambda f: f.key)
    if rows:
        await conn.execute(
            f"INSERT INTO managed_debit_fact ({_DEBIT}) SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::text[], $5::text[], $6::date[], $7::bigint[])"
            " ON CONFLICT (agreement_id, payment_reference, payee_id) DO UPDATE SET payee_kind = EXCLUDED.payee_kind,"
            " person_ref = EXCLUDED.person_ref, pay_date = EXCLUDED.pay_date, amount_pence = EXCLUDED.amount_pence",
            *[[getattr(f, name) for f in rows] for name in _DEBIT.split(", ")])


async def queries(conn: asyncpg.Connection, ids: Iterable[str]) -> dict[str, QueryState]:
    rows = await conn.fetch("SELECT query_id, state FROM query_fact WHERE query_id = ANY($1::text[])"
                            " ORDER BY query_id FOR UPDATE", sorted(set(ids)))
    return {r["query_id"]: QueryState.from_json(r["state"]) for r in rows}


async def save_queries(conn: asyncpg.Connection, facts: Iterable[QueryState]) -> None:
    rows = sorted(facts, key=lambda q: q.query_id)
    if rows:
        await conn.execute("INSERT INTO query_fact (query_id, state) SELECT * FROM unnest($1::text[], $2::jsonb[])"
                           " ON CONFLICT (query_id) DO UPDATE SET state = EXCLUDED.state",
                           [q.query_id for q in rows], [q.to_json() for q in rows])
