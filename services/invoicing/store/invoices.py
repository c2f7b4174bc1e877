"""SQL of invoices: stored in bulk (COPY) or one at a time, read back, moved, and their history.

An invoice as table rows and back is known here only: `Filed` is an invoice with what the tables
keep beside the domain's fields (where it came from, which agreement an original is for, the
approval revision, and the query effect it answers).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import asyncpg

from contracts.envelope import Actor
from shared.pagination import Keyset
from services.invoicing.domain.facts import InvoicedPeriod
from services.invoicing.domain.holds import HoldCode, HoldReason
from services.invoicing.domain.invoice import (Dispute, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus,
                                               StatusChange, UnreadableLine)
from services.invoicing.domain.periods import Period


# --- an invoice as rows ------------------------------------------------------------------------
ORIGINALS = frozenset({InvoiceKind.SELF_BILLED, InvoiceKind.SCHEDULED, InvoiceKind.ISF_ADVANCE})

INVOICE_COLUMNS = ("invoice_id", "kind", "provider_id", "number", "number_claim", "agreement_id", "agreement_ids",
                   "person_refs", "service_type", "period_first", "period_last", "received_on", "provider_dated",
                   "status", "total_pence", "line_count", "holds", "hold_codes", "unreadable", "disputes",
                   "resumes_as", "due_on", "approval_revision", "corrects_invoice_id", "query_id", "effect_id",
                   "payment_run_id", "paid_on", "source")
LINE_COLUMNS = ("invoice_id", "line_number", "agreement_id", "person_ref", "first_day", "last_day", "amount_pence",
                "visit_id", "carer_id", "minutes", "rate_pence", "units", "description", "source_row")
SPAN_COLUMNS = ("invoice_id", "agreement_id", "first_day", "last_day")


@dataclass(frozen=True, slots=True)
class Filed:
    invoice: Invoice
    source: str
    service_type: str | None = None
    approval_revision: int = 0
    number_claim: str | None = None
    query_id: str | None = None
    effect_id: str | None = None

    @property
    def agreement_id(self) -> str | None:
        """The agreement of an original council invoice (the key of 'once per agreement and period')."""
        return self.invoice.lines[0].agreement_id if self.invoice.kind in ORIGINALS else None


def holds_json(holds: tuple[HoldReason, ...]) -> list[dict]:
    return [{"code": h.code.value, "message": h.message, "lines": list(h.line_numbers),
             "agreement_id": h.agreement_id, "expected_pence": h.expected_pence, "claimed_pence": h.claimed_pence,
             "reference": h.reference} for h in holds]


def holds_from(data: list[dict]) -> tuple[HoldReason, ...]:
    return tuple(HoldReason(HoldCode(h["code"]), h["message"], tuple(h.get("lines") or ()), h.get("agreement_id"),
                            h.get("expected_pence"), h.get("claimed_pence"), h.get("reference")) for h in data)


def disputes_json(disputes: tuple[Dispute, ...]) -> list[dict]:
    return [{"query_ref": d.query_ref, "opened_on": d.opened_on.isoformat(),
             "closed_on": d.closed_on.isoformat() if d.closed_on else None} for d in disputes]


def _disputes_from(data: list[dict]) -> tuple[Dispute, ...]:
    return tuple(Dispute(d["query_ref"], date.fromisoformat(d["opened_on"]),
                         date.fromisoformat(d["closed_on"]) if d["closed_on"] else None) for d in data)


def _unreadable_json(lines: tuple[UnreadableLine, ...]) -> list[dict]:
    return [{"line_number": u.line_number, "problems": list(u.problems), "source_row": u.source_row,
             "raw": [list(cell) for cell in u.raw]} for u in lines]


def _unreadable_from(data: list[dict]) -> tuple[UnreadableLine, ...]:
    return tuple(UnreadableLine(u["line_number"], tuple(u["problems"]), u.get("source_row"),
                                tuple(tuple(cell) for cell in u.get("raw") or ())) for u in data)


def invoice_record(filed: Filed) -> tuple:
    i = filed.invoice
    return (i.invoice_id, i.kind.value, i.provider_ref, i.number, filed.number_claim, filed.agreement_id,
            list(i.agreement_ids), list(dict.fromkeys(line.person_ref for line in i.lines)), filed.service_type,
            i.period.first, i.period.last, i.received_on, i.provider_dated, i.status.value, i.total_pence,
            len(i.lines), holds_json(i.holds), sorted({h.code.value for h in i.holds}), _unreadable_json(i.unreadable),
            disputes_json(i.disputes), i.resumes_as.value if i.resumes_as else None, i.due_on,
            filed.approval_revision, i.corrects, filed.query_id, filed.effect_id, i.payment_run_id, i.paid_on,
            filed.source)


def line_records(invoice: Invoice) -> list[tuple]:
    return [(invoice.invoice_id, *line) for line in invoice.lines]  # LINE_COLUMNS follow InvoiceLine


def span_records(invoice: Invoice) -> list[tuple]:
    """The days charged per agreement, for 'already invoiced' (corrections are differences: none)."""
    if invoice.kind in (InvoiceKind.CREDIT_NOTE, InvoiceKind.SUPPLEMENTARY):
        return []
    spans: dict[str, tuple[date, date]] = {}
    for line in invoice.lines:
        first, last = spans.get(line.agreement_id, (line.first_day, line.last_day))
        spans[line.agreement_id] = (min(first, line.first_day), max(last, line.last_day))
    return [(invoice.invoice_id, agreement_id, first, last) for agreement_id, (first, last) in spans.items()]


def line_from(row) -> InvoiceLine:
    units = row["units"]
    return InvoiceLine(row["line_number"], row["agreement_id"], row["person_ref"], row["first_day"], row["last_day"],
                       row["amount_pence"], row["visit_id"], row["carer_id"], row["minutes"], row["rate_pence"],
                       Decimal(units) if units is not None else None, row["description"], row["source_row"])


def filed_from(row, lines: list) -> Filed:
    invoice = Invoice(row["invoice_id"], InvoiceKind(row["kind"]), row["provider_id"], row["number"],
                      Period(row["period_first"], row["period_last"]), row["received_on"],
                      tuple(line_from(r) for r in lines), _unreadable_from(row["unreadable"]),
                      InvoiceStatus(row["status"]), holds_from(row["holds"]), row["due_on"],
                      row["corrects_invoice_id"], row["provider_dated"], _disputes_from(row["disputes"]),
                      InvoiceStatus(row["resumes_as"]) if row["resumes_as"] else None, row["payment_run_id"],
                      row["paid_on"])
    return Filed(invoice, row["source"], row["service_type"], row["approval_revision"], row["number_claim"],
                 row["query_id"], row["effect_id"])


# --- SQL ---------------------------------------------------------------------------------------
ORIGINAL_KINDS = frozenset(kind.value for kind in ORIGINALS)
HISTORY_COLUMNS = ("invoice_id", "action", "from_status", "to_status", "actor_id", "actor_role", "reason")


def _history(invoice_id: str, changes: Iterable[StatusChange], actor: Actor) -> list[tuple]:
    # A step taken by the rules on the actor's behalf (by="validation") is the system's, not the actor's role.
    return [(invoice_id, c.action, c.before.value if c.before else None, c.after.value, c.by,
             actor.role if c.by == actor.id else "system", c.why) for c in changes]


async def insert_filed(conn: asyncpg.Connection, filed: Sequence[Filed], actor: Actor) -> None:
    """Store invoices with their lines, spans and every step of their history, by COPY."""
    if not filed:
        return
    await conn.copy_records_to_table("invoices", records=[invoice_record(f) for f in filed], columns=INVOICE_COLUMNS)
    lines = [r for f in filed for r in line_records(f.invoice)]
    if lines:
        await conn.copy_records_to_table("invoice_lines", records=lines, columns=LINE_COLUMNS)
    spans = [r for f in filed for r in span_records(f.invoice)]
    if spans:
        await conn.copy_records_to_table("invoiced_spans", records=spans, columns=SPAN_COLUMNS)
    history = [r for f in filed for r in _history(f.invoice.invoice_id, f.invoice.history, actor)]
    if history:
        await conn.copy_records_to_table("invoice_history", records=history, columns=HISTORY_COLUMNS)


async def insert_claiming_number(conn: asyncpg.Connection, filed: Filed, actor: Actor) -> bool:
    """Store a provider's invoice; True when its number was free for this provider. A number already
    used is stored all the same, without the claim (validation holds it as a duplicate)."""
    claimed = await conn.fetchval(
        f"INSERT INTO invoices ({', '.join(INVOICE_COLUMNS)}) VALUES"
        f" ({', '.join(f'${n}' for n in range(1, len(INVOICE_COLUMNS) + 1))})"
        " ON CONFLICT (provider_id, number_claim) DO NOTHING RETURNING true", *invoice_record(filed))
    if not claimed:
        await conn.copy_records_to_table("invoices", records=[invoice_record(_unclaimed(filed))],
                                         columns=INVOICE_COLUMNS)
    invoice = filed.invoice
    if invoice.lines:
        await conn.copy_records_to_table("invoice_lines", records=line_records(invoice), columns=LINE_COLUMNS)
    await conn.copy_records_to_table("invoiced_spans", records=span_records(invoice), columns=SPAN_COLUMNS)
    await record_history(conn, invoice.invoice_id, invoice.history, actor)
    return bool(claimed)


def _unclaimed(filed: Filed) -> Filed:
    return Filed(filed.invoice, filed.source, filed.service_type, filed.approval_revision, None, filed.query_id,
                 filed.effect_id)


async def record_history(conn: asyncpg.Connection, invoice_id: str, changes: Sequence[StatusChange],
                         actor: Actor) -> None:
    if changes:
        await conn.executemany(
            "INSERT INTO invoice_history (invoice_id, action, from_status, to_status, actor_id, actor_role, reason)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)", _history(invoice_id, changes, actor))


async def load(conn: asyncpg.Connection, invoice_id: str, *, for_update: bool = False) -> Filed | None:
    """The invoice with its lines (history left out: steps taken now are appended to it)."""
    row = await conn.fetchrow("SELECT * FROM invoices WHERE invoice_id = $1" + (" FOR UPDATE" if for_update else ""),
                              invoice_id)
    if row is None:
        return None
    lines = await conn.fetch("SELECT * FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_number", invoice_id)
    return filed_from(row, lines)


async def load_many(conn: asyncpg.Connection, invoice_ids: Sequence[str], *, for_update: bool = False) -> list[Filed]:
    rows = await conn.fetch("SELECT * FROM invoices WHERE invoice_id = ANY($1::text[]) ORDER BY invoice_id"
                            + (" FOR UPDATE" if for_update else ""), list(invoice_ids))
    lines = await conn.fetch("SELECT * FROM invoice_lines WHERE invoice_id = ANY($1::text[])"
                             " ORDER BY invoice_id, line_number", list(invoice_ids))
    by_invoice: dict[str, list] = {}
    for line in lines:
        by_invoice.setdefault(line["invoice_id"], []).append(line)
    return [filed_from(r, by_invoice.get(r["invoice_id"], [])) for r in rows]


async def save_state(conn: asyncpg.Connection, filed: Filed, actor: Actor, history_from: int = 0) -> None:
    """Write what a step may change, and the steps taken (history after `history_from`)."""
    i = filed.invoice
    await conn.execute(
        "UPDATE invoices SET status = $2, holds = $3, hold_codes = $4, disputes = $5, resumes_as = $6, due_on = $7,"
        " approval_revision = $8, payment_run_id = $9, paid_on = $10, updated_at = now() WHERE invoice_id = $1",
        i.invoice_id, i.status.value, holds_json(i.holds), sorted({h.code.value for h in i.holds}),
        disputes_json(i.disputes),
        i.resumes_as.value if i.resumes_as else None, i.due_on, filed.approval_revision, i.payment_run_id, i.paid_on)
    await record_history(conn, i.invoice_id, i.history[history_from:], actor)


async def already_invoiced(conn: asyncpg.Connection, agreement_ids: Iterable[str], *, excluding: Iterable[str] = ()
                           ) -> tuple[InvoicedPeriod, ...]:
    """Days of these agreements on other invoices that are not void (originals and provider invoices)."""
    rows = await conn.fetch(
        "SELECT s.agreement_id, s.first_day, s.last_day, i.number FROM invoiced_spans s"
        " JOIN invoices i USING (invoice_id) WHERE s.agreement_id = ANY($1::text[]) AND i.status <> 'void'"
        " AND NOT (s.invoice_id = ANY($2::text[]))", list(set(agreement_ids)), list(excluding))
    return tuple(InvoicedPeriod(r["agreement_id"], Period(r["first_day"], r["last_day"]), r["number"]) for r in rows)


async def originals_for(conn: asyncpg.Connection, kind: str, keys: Iterable[tuple[str, date, date]]) -> set[tuple]:
    """Which (agreement, first, last) already have an original invoice of `kind` (void ones too)."""
    if kind not in ORIGINAL_KINDS:
        raise ValueError(f"{kind} invoices are not originals of an agreement and period")
    keys = set(keys)
    if not keys:
        return set()
    # The kind written out (not a parameter) lets the planner use the partial unique index.
    rows = await conn.fetch(
        f"SELECT agreement_id, period_first, period_last FROM invoices WHERE kind = '{kind}'"
        " AND agreement_id = ANY($1::text[])", list({k[0] for k in keys}))
    return {(r[0], r[1], r[2]) for r in rows} & keys


async def self_bill_covering(conn: asyncpg.Connection, agreement_id: str, day: date) -> str | None:
    return await conn.fetchval(
        "SELECT invoice_id FROM invoices WHERE agreement_id = $1 AND kind = 'self_billed'"
        " AND period_first <= $2 AND period_last >= $2", agreement_id, day)


async def corrections_of(conn: asyncpg.Connection, invoice_id: str) -> list[str]:
    return [r["invoice_id"] for r in await conn.fetch(
        "SELECT invoice_id FROM invoices WHERE corrects_invoice_id = $1 ORDER BY created_at", invoice_id)]


async def credited_so_far(conn: asyncpg.Connection, invoice_id: str) -> int:
    return await conn.fetchval(
        "SELECT coalesce(sum(total_pence), 0)::bigint FROM invoices WHERE corrects_invoice_id = $1"
        " AND kind = 'credit_note' AND status <> 'void'", invoice_id)


async def answering_effect(conn: asyncpg.Connection, query_id: str, effect_id: str) -> Filed | None:
    invoice_id = await conn.fetchval("SELECT invoice_id FROM invoices WHERE query_id = $1 AND effect_id = $2",
                                     query_id, effect_id)
    return await load(conn, invoice_id) if invoice_id else None


async def held_with(conn: asyncpg.Connection, codes: Sequence[str], *, provider_id: str | None = None,
                    agreement_ids: Sequence[str] | None = None) -> list[str]:
    """Held invoices with any of these hold codes, of a provider or naming any of these agreements."""
    return [r["invoice_id"] for r in await conn.fetch(
        "SELECT invoice_id FROM invoices WHERE status = 'held' AND hold_codes && $1::text[]"
        " AND ($2::text IS NULL OR provider_id = $2)"
        " AND ($3::text[] IS NULL OR agreement_ids && $3::text[]) ORDER BY invoice_id",
        list(codes), provider_id, list(agreement_ids) if agreement_ids is not None else None)]


@dataclass(frozen=True)
class InvoiceFilter:
    provider_id: str | None = None
    status: str | None = None
    agreement_id: str | None = None
    kind: str | None = None


# Newest first, ties on the timestamp (every invoice of one run shares it) broken by id: a unique, stable order
# the list is paged on (indexes: migrations/0010_list_pages.sql).
INVOICE_PAGES = Keyset(("created_at", "invoice_id"), descending=True)


async def list_invoices(conn: asyncpg.Connection, f: InvoiceFilter, *, after: Sequence | None,
                        fetch: int) -> list[asyncpg.Record]:
    """A page of invoices in INVOICE_PAGES order: at most `fetch`, strictly after the key `after`."""
    page, args = INVOICE_PAGES.after(after, first_param=5)
    return await conn.fetch(
        "SELECT invoice_id, created_at, kind, provider_id, number, agreement_ids, period_first, period_last,"
        " received_on, status, total_pence, line_count, hold_codes, due_on, corrects_invoice_id FROM invoices"
        " WHERE ($1::text IS NULL OR provider_id = $1) AND ($2::text IS NULL OR status = $2)"
        " AND ($3::text IS NULL OR agreement_ids @> ARRAY[$3::text]) AND ($4::text IS NULL OR kind = $4)"
        f" AND {page} ORDER BY {INVOICE_PAGES.order_by} LIMIT ${5 + len(args)}",
        f.provider_id, f.status, f.agreement_id, f.kind, *args, fetch)


async def history(conn: asyncpg.Connection, invoice_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT action, from_status, to_status, actor_id, actor_role, reason, recorded_at"
                            " FROM invoice_history WHERE invoice_id = $1 ORDER BY id", invoice_id)


async def has_invoice(conn: asyncpg.Connection, invoice_id: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM invoices WHERE invoice_id = $1", invoice_id))



async def agreements_of(conn: asyncpg.Connection, invoice_ids: Sequence[str]) -> list[str]:
    return [r[0] for r in await conn.fetch(
        "SELECT DISTINCT unnest(agreement_ids) FROM invoices WHERE invoice_id = ANY($1::text[])", list(invoice_ids))]
