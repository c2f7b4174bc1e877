"""SQL of ISF returns, their lines, and the surplus reclaimed after them."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from contracts.envelope import Actor
from shared.pagination import Keyset
from services.invoicing.domain.isf_returns import (IsfReturn, ReturnHold, ReturnHoldCode, ReturnLine,
                                                   ReturnStatus)
from services.invoicing.domain.periods import Period

LINE_COLUMNS = ("return_id", "line_number", "support_type", "subcontractor", "hours", "spend_pence", "source_row")


@dataclass(frozen=True, slots=True)
class ReclaimOnFile:
    amount_pence: int
    method: str
    credit_note_id: str


@dataclass(frozen=True, slots=True)
class ReturnOnFile:
    """A recorded return with what the tables keep beside it."""

    isf_return: IsfReturn
    source: str
    submitted_at: datetime
    accepted_by: str | None = None
    accepted_why: str | None = None
    reclaim: ReclaimOnFile | None = None


async def insert(conn: asyncpg.Connection, r: IsfReturn, actor: Actor, *, source: str, source_row: int | None) -> None:
    """Store a return and its lines; one accepted at once is accepted by the rules (system)."""
    accepted = r.status is ReturnStatus.ACCEPTED
    await conn.execute(
        "INSERT INTO isf_returns (return_id, agreement_id, provider_id, person_ref, period_first, period_last,"
        " budget_pence, spend_pence, status, holds, over_budget_reason, balance_pence, source, source_row,"
        " submitted_by, submitted_by_role, accepted_by, accepted_by_role, accepted_why, accepted_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,"
        " CASE WHEN $17::text IS NULL THEN NULL ELSE now() END)",
        r.return_id, r.agreement_id, r.provider_ref, r.person_ref, r.period.first, r.period.last, r.budget_pence,
        r.spend_pence, r.status.value, [{"code": h.code.value, "message": h.message} for h in r.holds],
        r.over_budget_reason, r.balance_pence, source, source_row, actor.id, actor.role,
        "system:invoicing" if accepted else None, "system" if accepted else None,
        "within the period's budget" if accepted else None)
    await conn.copy_records_to_table("isf_return_lines", columns=LINE_COLUMNS, records=[
        (r.return_id, n, line.support_type, line.subcontractor, line.hours, line.spend_pence, line.row)
        for n, line in enumerate(r.lines, start=1)])


async def exists_for(conn: asyncpg.Connection, agreement_id: str, period: Period) -> str | None:
    return await conn.fetchval("SELECT return_id FROM isf_returns WHERE agreement_id = $1 AND period_first = $2",
                               agreement_id, period.first)


async def mark_accepted(conn: asyncpg.Connection, return_id: str, actor: Actor, why: str) -> None:
    await conn.execute(
        "UPDATE isf_returns SET status = 'accepted', accepted_by = $2, accepted_by_role = $3, accepted_why = $4,"
        " accepted_at = now() WHERE return_id = $1 AND status = 'held'", return_id, actor.id, actor.role, why)


async def set_balance(conn: asyncpg.Connection, return_id: str, balance_pence: int) -> None:
    await conn.execute("UPDATE isf_returns SET balance_pence = $2 WHERE return_id = $1", return_id, balance_pence)


async def insert_reclaim(conn: asyncpg.Connection, return_id: str, *, credit_note_id: str, corrects_invoice_id: str,
                         amount_pence: int, method: str, balance_pence: int, retained_pence: int) -> None:
    await conn.execute(
        "INSERT INTO isf_reclaims (return_id, credit_note_id, corrects_invoice_id, amount_pence, method,"
        " balance_pence, retained_pence) VALUES ($1, $2, $3, $4, $5, $6, $7)", return_id, credit_note_id,
        corrects_invoice_id, amount_pence, method, balance_pence, retained_pence)


def _return(row, lines: list) -> ReturnOnFile:
    r = IsfReturn(row["return_id"], row["agreement_id"], row["provider_id"], row["person_ref"],
                  Period(row["period_first"], row["period_last"]), row["budget_pence"],
                  tuple(ReturnLine(x["support_type"], x["subcontractor"], x["hours"], x["spend_pence"], x["source_row"])
                        for x in lines),
                  ReturnStatus(row["status"]), tuple(ReturnHold(ReturnHoldCode(h["code"]), h["message"])
                                                     for h in row["holds"]),
                  row["over_budget_reason"], row["submitted_by"], row["balance_pence"])
    reclaim = ReclaimOnFile(row["amount_pence"], row["method"], row["credit_note_id"]) \
        if row["credit_note_id"] else None
    return ReturnOnFile(r, row["source"], row["submitted_at"], row["accepted_by"], row["accepted_why"], reclaim)


_SELECT = ("SELECT r.*, c.amount_pence, c.method, c.credit_note_id FROM isf_returns r"
           " LEFT JOIN isf_reclaims c USING (return_id)")


async def load(conn: asyncpg.Connection, return_id: str, *, for_update: bool = False) -> ReturnOnFile | None:
    row = await conn.fetchrow(_SELECT + " WHERE r.return_id = $1" + (" FOR UPDATE OF r" if for_update else ""),
                              return_id)
    if row is None:
        return None
    lines = await conn.fetch("SELECT * FROM isf_return_lines WHERE return_id = $1 ORDER BY line_number", return_id)
    return _return(row, lines)


@dataclass(frozen=True)
class ReturnFilter:
    person_ref: str | None = None
    provider_id: str | None = None
    agreement_id: str | None = None


# Newest period first, ties broken by id: unique and stable, the order the list is paged on (indexes:
# migrations/0010_list_pages.sql).
RETURN_PAGES = Keyset(("r.period_first", "r.return_id"), descending=True)


async def list_returns(conn: asyncpg.Connection, f: ReturnFilter, *, after: Sequence | None,
                       fetch: int) -> list[ReturnOnFile]:
    """A page of returns in RETURN_PAGES order: at most `fetch`, strictly after the key `after`."""
    page, args = RETURN_PAGES.after(after, first_param=4)
    rows = await conn.fetch(
        _SELECT + " WHERE ($1::text IS NULL OR r.person_ref = $1) AND ($2::text IS NULL OR r.provider_id = $2)"
        f" AND ($3::text IS NULL OR r.agreement_id = $3) AND {page} ORDER BY {RETURN_PAGES.order_by}"
        f" LIMIT ${4 + len(args)}", f.person_ref, f.provider_id, f.agreement_id, *args, fetch)
    lines = await conn.fetch("SELECT * FROM isf_return_lines WHERE return_id = ANY($1::text[])"
                             " ORDER BY return_id, line_number", [r["return_id"] for r in rows])
    by_return: dict[str, list] = {}
    for line in lines:
        by_return.setdefault(line["return_id"], []).append(line)
    return [_return(r, by_return.get(r["return_id"], [])) for r in rows]


async def accepted_periods(conn: asyncpg.Connection, agreement_id: str) -> list:
    """The first days of the agreement's periods with an accepted return."""
    return [r[0] for r in await conn.fetch("SELECT period_first FROM isf_returns WHERE agreement_id = $1"
                                           " AND status = 'accepted'", agreement_id)]


async def unsettled(conn: asyncpg.Connection, agreement_id: str) -> list[str]:
    """The agreement's accepted returns not yet settled (no balance worked out), oldest period first."""
    return [r[0] for r in await conn.fetch("SELECT return_id FROM isf_returns WHERE agreement_id = $1"
                                           " AND status = 'accepted' AND balance_pence IS NULL"
                                           " ORDER BY period_first", agreement_id)]
