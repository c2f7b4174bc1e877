"""SQL for payment runs: store a proposed run (COPY, not a statement per line), read it back whole
or one payment at a time, record review changes and approval.

The domain's `PaymentRun` is rebuilt exactly as it was proposed (payments and lines in their
stored order), so files written from a run read back from here are the same every time.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import asyncpg

from contracts.common import ServiceType
from services.payments.domain.inputs import BankAccount
from services.payments.domain.payment_run import PaymentRun, ReviewNote, RunStatus
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import (Charge, Exclusion, ExclusionReason, LineKind, PayeeKind, Payment,
                                                RemittanceLine)

PAYMENT_COLUMNS = ("run_id", "run_status", "payment_reference", "seq", "payee_kind", "payee_id", "payee_name",
                   "sort_code", "account_number", "account_name", "account_verified", "council_managed",
                   "amount_pence")
LINE_COLUMNS = ("run_id", "payment_reference", "seq", "line_id", "kind", "settles", "description",
                "person_ref", "service_type", "cost_centre", "period_start", "period_end", "amount_pence",
                "agreement_end", "adjustment_ids", "funded_by", "reason")
CHARGE_COLUMNS = ("run_id", "line_id", "seq", "agreement_id", "cost_centre", "amount_pence", "last_day",
                  "agreement_end")
EXCLUSION_COLUMNS = ("run_id", "seq", "subject", "payee_id", "reason", "detail", "amount_pence", "settles")


@dataclass
class StoredRun:
    """A run as stored: the domain run plus what only the database knows (bank outcomes, export)."""

    run: PaymentRun
    scope: dict
    exported_at: datetime | None = None
    outcomes: dict[str, tuple[str, str | None, date | None]] = field(default_factory=dict)
    council_managed: set[str] = field(default_factory=set)  # payment references into the managed account
    line_count: int = 0
    lines_pence: int = 0

    @classmethod
    def of(cls, run: PaymentRun, scope: dict, council_managed: set[str]) -> StoredRun:
        """A run just made here, before it is read back."""
        return cls(run, scope, council_managed=council_managed, line_count=sum(len(p.lines) for p in run.payments),
                   lines_pence=sum(ln.amount_pence for p in run.payments for ln in p.lines))


async def next_run_number(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT nextval('run_numbers')")


async def insert_run(conn: asyncpg.Connection, run: PaymentRun, scope: Mapping, managed_agreements: set[str],
                     adjustment_ids: Mapping[str, list[int]]) -> None:
    """The proposed run, its payments, lines (and their charges to agreements) and exclusions, in five statements."""
    await conn.execute(
        "INSERT INTO payment_runs (run_id, run_number, kind, pay_date, processing_day, proposed_by, proposed_at,"
        " total_pence, payment_count, scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        run.run_id, run.run_number, run.kind.value, run.pay_date, run.processing_day, run.proposed_by,
        run.proposed_at, run.total_pence, len(run.payments), dict(scope))
    payments, lines, charges, seq = [], [], [], 0
    for n, p in enumerate(run.payments, start=1):
        managed = p.payee_kind is PayeeKind.DIRECT_PAYMENT and p.payee_id in managed_agreements
        payments.append((run.run_id, "proposed", p.reference, n, p.payee_kind.value, p.payee_id, p.payee_name,
                         p.account.sort_code, p.account.account_number, p.account.account_name, p.account_verified,
                         managed, p.amount_pence))
        for line in p.lines:
            seq += 1
            adjustments = adjustment_ids.get(line.settles) if line.kind is LineKind.ADJUSTMENT else None
            lines.append((run.run_id, p.reference, seq, line.line_id, line.kind.value, line.settles,
                          line.description, line.person_ref, line.service_type.value, line.cost_centre,
                          line.period_start, line.period_end, line.amount_pence, line.agreement_end, adjustments,
                          line.funded_by, line.reason))
            charges += [(run.run_id, line.line_id, k, c.agreement_id, c.cost_centre, c.amount_pence, c.last_day,
                         c.agreement_end) for k, c in enumerate(line.charges, start=1)]
    await conn.copy_records_to_table("run_payments", records=payments, columns=PAYMENT_COLUMNS)
    await conn.copy_records_to_table("run_lines", records=lines, columns=LINE_COLUMNS)
    if charges:
        await conn.copy_records_to_table("run_line_charges", records=charges, columns=CHARGE_COLUMNS)
    await add_exclusions(conn, run.run_id, run.exclusions, start=1)


async def add_exclusions(conn: asyncpg.Connection, run_id: str, exclusions, *, start: int) -> None:
    records = [(run_id, start + n, e.subject, e.payee_id, e.reason.value, e.detail, e.amount_pence, list(e.settles))
               for n, e in enumerate(exclusions)]
    await conn.copy_records_to_table("run_exclusions", records=records, columns=EXCLUSION_COLUMNS)


async def lock_run(conn: asyncpg.Connection, run_id: str) -> asyncpg.Record | None:
    """The run's row, locked: approval, review and export of one run happen one at a time."""
    return await conn.fetchrow("SELECT * FROM payment_runs WHERE run_id = $1 FOR UPDATE", run_id)


# Lines are read 50,000 at a time: columns by position and enums from a dict keep that quick.
LINE_READ = ("SELECT payment_reference, line_id, kind, settles, description, person_ref, service_type, cost_centre,"
             " period_start, period_end, amount_pence, agreement_end, funded_by, reason FROM run_lines")
_KINDS = {k.value: k for k in LineKind}
_SERVICES = {s.value: s for s in ServiceType}


def payments_from_rows(payment_rows, line_rows,
                       charges: Mapping[str, tuple[Charge, ...]] | None = None) -> tuple[Payment, ...]:
    """Payments with their lines, from `LINE_READ` rows (in `seq` order), with their charges by line id."""
    by_payment: dict[str, list[RemittanceLine]] = defaultdict(list)
    charges = charges or {}
    for ref, line_id, kind, settles, text, person, service, centre, start, end, pence, agreement_end, funded_by, \
            reason in line_rows:
        by_payment[ref].append(RemittanceLine(line_id, _KINDS[kind], settles, text, person, _SERVICES[service], centre,
                                              start, end, pence, agreement_end, funded_by, reason,
                                              charges.get(line_id, ())))
    return tuple(Payment(p["payment_reference"], PayeeKind(p["payee_kind"]), p["payee_id"], p["payee_name"],
                         BankAccount(p["sort_code"], p["account_number"], p["account_name"]), p["account_verified"],
                         tuple(by_payment.get(p["payment_reference"], ())), p["amount_pence"]) for p in payment_rows)


def run_from_rows(h: asyncpg.Record, payments: tuple[Payment, ...], exclusions, reviews) -> PaymentRun:
    return PaymentRun(
        run_id=h["run_id"], run_number=h["run_number"], kind=RunKind(h["kind"]), pay_date=h["pay_date"],
        processing_day=h["processing_day"], proposed_by=h["proposed_by"], proposed_at=h["proposed_at"],
        payments=payments, status=RunStatus(h["status"]), approved_by=h["approved_by"], approved_at=h["approved_at"],
        exclusions=tuple(Exclusion(e["subject"], e["payee_id"], ExclusionReason(e["reason"]), e["detail"],
                                   e["amount_pence"], tuple(e["settles"])) for e in exclusions),
        reviews=tuple(ReviewNote(v["line_id"], v["payment_reference"], v["amount_pence"], v["reason"],
                                 v["reviewed_by"], v["reviewed_at"]) for v in reviews))


async def load_run(conn: asyncpg.Connection, run_id: str, *, only_payment: str | None = None,
                   lines: bool = True) -> StoredRun | None:
    """The run as stored (or, with `only_payment`, with just that payment: enough to review one line).
    Without `lines`, its payments come without their lines (line totals are still given)."""
    header = await conn.fetchrow("SELECT * FROM payment_runs WHERE run_id = $1", run_id)
    if header is None:
        return None
    payment_rows = await conn.fetch("SELECT * FROM run_payments WHERE run_id = $1"
                                    " AND ($2::text IS NULL OR payment_reference = $2) ORDER BY seq",
                                    run_id, only_payment)
    line_rows = await conn.fetch(LINE_READ + " WHERE run_id = $1 AND ($2::text IS NULL OR payment_reference = $2)"
                                 " ORDER BY seq", run_id, only_payment) if lines else []
    charges = await line_charges(conn, run_id, only_payment) if lines else {}
    count, pence = await conn.fetchrow("SELECT count(*), coalesce(sum(amount_pence), 0) FROM run_lines"
                                       " WHERE run_id = $1", run_id)
    exclusions = await conn.fetch("SELECT * FROM run_exclusions WHERE run_id = $1 ORDER BY seq", run_id)
    reviews = await conn.fetch("SELECT * FROM run_reviews WHERE run_id = $1 ORDER BY seq", run_id)
    run = run_from_rows(header, payments_from_rows(payment_rows, line_rows, charges), exclusions, reviews)
    outcomes = {p["payment_reference"]: (p["outcome"], p["outcome_reason"], p["outcome_on"]) for p in payment_rows}
    return StoredRun(run, dict(header["scope"]), header["exported_at"], outcomes,
                     {p["payment_reference"] for p in payment_rows if p["council_managed"]}, count, int(pence))


async def line_charges(conn: asyncpg.Connection, run_id: str,
                       only_payment: str | None = None) -> dict[str, tuple[Charge, ...]]:
    """What each split line of the run charges each agreement, in its stored order."""
    rows = await conn.fetch(
        "SELECT c.line_id, c.agreement_id, c.cost_centre, c.amount_pence, c.last_day, c.agreement_end"
        " FROM run_line_charges c WHERE c.run_id = $1 AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM run_lines l"
        "  WHERE l.run_id = c.run_id AND l.line_id = c.line_id AND l.payment_reference = $2))"
        " ORDER BY c.line_id, c.seq", run_id, only_payment)
    found: dict[str, list[Charge]] = defaultdict(list)
    for line_id, agreement_id, centre, pence, last_day, agreement_end in rows:
        found[line_id].append(Charge(agreement_id, centre, pence, last_day, agreement_end))
    return {k: tuple(v) for k, v in found.items()}


async def invoice_ids(conn: asyncpg.Connection, run_id: str) -> list[str]:
    return [r[0] for r in await conn.fetch("SELECT line_id FROM run_lines WHERE run_id = $1 AND kind = 'invoice'"
                                           " ORDER BY line_id", run_id)]


async def payment_of_line(conn: asyncpg.Connection, run_id: str, line_id: str) -> str | None:
    return await conn.fetchval("SELECT payment_reference FROM run_lines WHERE run_id = $1 AND line_id = $2",
                               run_id, line_id)


async def record_review(conn: asyncpg.Connection, before: PaymentRun, after: PaymentRun) -> None:
    """Store what `exclude_line` changed in one payment: its kept lines, new exclusions and the note."""
    [old] = before.payments
    kept = {p.reference: p for p in after.payments}.get(old.reference)
    await conn.execute("DELETE FROM run_lines WHERE run_id = $1 AND payment_reference = $2"
                       " AND NOT (line_id = ANY($3::text[]))", before.run_id, old.reference,
                       [ln.line_id for ln in kept.lines] if kept else [])
    await conn.execute("DELETE FROM run_line_charges c WHERE c.run_id = $1 AND NOT EXISTS (SELECT 1 FROM run_lines l"
                       " WHERE l.run_id = c.run_id AND l.line_id = c.line_id)", before.run_id)
    if kept is None:
        await conn.execute("DELETE FROM run_payments WHERE run_id = $1 AND payment_reference = $2",
                           before.run_id, old.reference)
    else:
        await conn.execute("UPDATE run_payments SET amount_pence = $3 WHERE run_id = $1 AND payment_reference = $2",
                           before.run_id, old.reference, kept.amount_pence)
    start = await conn.fetchval("SELECT coalesce(max(seq), 0) + 1 FROM run_exclusions WHERE run_id = $1", before.run_id)
    await add_exclusions(conn, before.run_id, after.exclusions[len(before.exclusions):], start=start)
    note = after.reviews[-1]
    await conn.execute(
        "INSERT INTO run_reviews (run_id, seq, line_id, payment_reference, amount_pence, reason, reviewed_by,"
        " reviewed_at) SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM run_reviews WHERE run_id = $1",
        before.run_id, note.line_id, note.payment_reference, note.amount_pence, note.reason, note.by, note.at)
    removed = old.amount_pence - (kept.amount_pence if kept else 0)
    await conn.execute("UPDATE payment_runs SET total_pence = total_pence - $2, payment_count = payment_count - $3"
                       " WHERE run_id = $1", before.run_id, removed, 0 if kept else 1)


async def lock_direct_payments(conn: asyncpg.Connection, run_id: str) -> None:
    """The direct payments the run pays, locked FOR SHARE in agreement order until the approval commits.
    An ending or a change of amount locks its row FOR UPDATE and reads the periods already paid, so of an
    approval and an ending (or change) side by side one waits for the other: the approval sees the change
    and is refused, or the ending sees the approved payment and recovers the days after the end."""
    await conn.execute(
        "SELECT agreement_id FROM direct_payments WHERE agreement_id IN (SELECT payee_id FROM run_payments"
        " WHERE run_id = $1 AND payee_kind = 'direct_payment') ORDER BY agreement_id FOR SHARE", run_id)


async def record_direct_payment_versions(conn: asyncpg.Connection, run_id: str) -> None:
    """Each direct payment of a proposed run remembers the amount version it was priced at (its row is
    locked FOR SHARE since the proposal read it, so this is the version the run used)."""
    await conn.execute(
        "UPDATE run_payments p SET dp_amount_version = d.amount_version FROM direct_payments d"
        " WHERE p.run_id = $1 AND p.payee_kind = 'direct_payment' AND d.agreement_id = p.payee_id", run_id)


async def changed_direct_payments(conn: asyncpg.Connection, run_id: str) -> list[str]:
    """Direct payments of the run whose amount changed after it was proposed (call with them locked)."""
    return [r["agreement_id"] for r in await conn.fetch(
        "SELECT d.agreement_id FROM run_payments p JOIN direct_payments d ON d.agreement_id = p.payee_id"
        " WHERE p.run_id = $1 AND p.payee_kind = 'direct_payment'"
        "   AND p.dp_amount_version IS DISTINCT FROM d.amount_version ORDER BY 1 LIMIT 5", run_id)]


async def mark_approved(conn: asyncpg.Connection, run: PaymentRun) -> None:
    """Approve: the database checks the run, settles its documents and marks the direct-payment
    adjustments it carries paid (0003_run_guards.sql)."""
    await conn.execute("UPDATE payment_runs SET status = 'approved', approved_by = $2, approved_at = $3"
                       " WHERE run_id = $1", run.run_id, run.approved_by, run.approved_at)


async def conflicting_documents(conn: asyncpg.Connection, run_id: str) -> list[tuple[str, str]]:
    """(document, other approved run) for each document of this run another approved run already pays."""
    rows = await conn.fetch(
        "SELECT l.line_id, s.run_id FROM run_lines l JOIN settlements s ON s.document_id = l.line_id"
        " AND NOT s.returned AND s.run_id <> l.run_id"
        " WHERE l.run_id = $1 AND l.kind <> 'adjustment' ORDER BY l.line_id LIMIT 10", run_id)
    return [(r["line_id"], r["run_id"]) for r in rows]


async def list_runs(conn: asyncpg.Connection, status: str | None, after_number: int | None,
                    limit: int) -> list[asyncpg.Record]:
    """Runs (in `status`, or all), newest first: run numbers below `after_number` (the last of the page before)."""
    return await conn.fetch("SELECT * FROM payment_runs WHERE ($1::text IS NULL OR status = $1)"
                            " AND ($2::int IS NULL OR run_number < $2) ORDER BY run_number DESC LIMIT $3",
                            status, after_number, limit)
