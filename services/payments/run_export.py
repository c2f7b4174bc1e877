"""Export an approved run (files + events, once) and record what the bank paid or returned.

Export writes every file, the ledger entries of council-managed accounts and the events in the
caller's one transaction. Exporting again regenerates the files and compares them byte for byte
with those stored: the same bytes are served; different bytes are refused loudly, never sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import asyncpg

from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.payments import publishing, store_accounts, store_files
from services.payments.config import PaymentsConfig
from services.payments.domain.confirmation import (ConfirmationProblem, FinanceAlert, apply_confirmations,
                                                   parse_confirmation_csv)
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.managed_accounts import LedgerEntry, LedgerEntryKind
from services.payments.domain.payment_run import RunStatus
from services.payments.domain.run_lines import LineKind, PayeeKind, Payment
from services.payments.files.export import export_run
from services.payments.runs import Stopwatch, locked, without_jit
from services.payments.store_runs import StoredRun


log = get_logger(__name__)


@dataclass(frozen=True)
class Export:
    stored: StoredRun
    checksums: dict[str, str]
    first_time: bool


async def export(conn: asyncpg.Connection, run_id: str, by: str, config: PaymentsConfig, outbox: Outbox,
                 cause: Cause) -> Export:
    await without_jit(conn)
    clock = Stopwatch()
    stored = await locked(conn, run_id)
    run = stored.run
    if run.status is not RunStatus.APPROVED:
        raise RunConflict("status", f"run {run_id} is proposed: a finance approver approves it before its files "
                                    "are written")
    read = clock.lap()
    files = store_files.files_of(export_run(run, config.settings, config.journal))
    written_ms = clock.lap()
    written = {f.name: f.sha256 for f in files}
    existing = await store_files.checksums(conn, run_id)
    if existing:
        differ = sorted(n for n in written.keys() | existing.keys() if written.get(n) != existing.get(n))
        if differ:
            raise RunConflict("files", f"run {run_id} was exported on {stored.exported_at:%Y-%m-%d %H:%M}; writing "
                                       f"its files again gives different bytes ({', '.join(differ[:5])}): were the "
                                       "payment settings changed? The files already exported stand")
        return Export(stored, existing, first_time=False)
    await store_files.store(conn, run_id, run.total_pence, files, {p.reference: p.amount_pence for p in run.payments})
    await conn.execute("UPDATE payment_runs SET exported_at = now() WHERE run_id = $1", run_id)
    managed = [p for p in run.payments if p.reference in stored.council_managed]
    await store_accounts.record_many(conn, [(p.payee_id, LedgerEntry(
        run.pay_date, LedgerEntryKind.DIRECT_PAYMENT_IN, p.amount_pence, p.reference,
        "Direct payment from the council")) for p in managed], by)
    await outbox.publish(conn, [publishing.run_exported(run, files)] + [
        publishing.payment_made(run, p, p.reference in stored.council_managed) for p in run.payments], cause)
    log.info("payment run files written", run_id=run_id, files=len(files), read_ms=read, write_ms=written_ms,
             store_ms=clock.lap())
    return Export(stored, written, first_time=True)


class ConfirmationRefused(PaymentRefused):
    """The upload has rows that cannot be used: nothing of it is recorded."""

    def __init__(self, problems: list[ConfirmationProblem]) -> None:
        super().__init__("file", "; ".join(f"row {p.row} {p.field}: {p.message}" for p in problems[:20]))
        self.problems = problems


@dataclass
class Confirmed:
    paid: list[Payment] = field(default_factory=list)
    returned: list[tuple[Payment, str]] = field(default_factory=list)
    already_recorded: int = 0
    alerts: list[FinanceAlert] = field(default_factory=list)


async def confirm(conn: asyncpg.Connection, run_id: str, text: str, today: date, by: str, outbox: Outbox,
                  cause: Cause) -> Confirmed:
    """Record the bank's report (all rows or none). A paid payment settles its invoices; a returned
    one frees them to be paid again once finance has dealt with the reason (they are held)."""
    stored = await locked(conn, run_id)
    run = stored.run
    if stored.exported_at is None:
        raise RunConflict("status", f"run {run_id} has not been exported: the bank cannot have paid it")
    rows, problems = parse_confirmation_csv(text)
    outcome = apply_confirmations(run, rows)
    problems += outcome.problems
    row_of = {c.payment_reference: c.row for c in reversed(rows)}
    was = {ref: state for ref, (state, _, _) in stored.outcomes.items()}
    problems += [ConfirmationProblem(row_of[p.reference], "status", f"{p.reference} was already recorded as "
                                                                    "returned by the bank")
                 for p in outcome.paid if was[p.reference] == "returned"]
    if problems:
        raise ConfirmationRefused(sorted(problems, key=lambda p: p.row))
    done = Confirmed(already_recorded=sum(was[p.reference] == "paid" for p in outcome.paid)
                     + sum(was[p.reference] == "returned" for p in outcome.returned))
    done.paid = [p for p in outcome.paid if was[p.reference] == "instructed"]
    reasons = {c.payment_reference: c.reason for c in rows}
    done.returned = [(p, reasons[p.reference]) for p in outcome.returned if was[p.reference] != "returned"]
    returned_refs = {p.reference for p, _ in done.returned}
    done.alerts = [a for a in outcome.alerts if a.payment_reference in returned_refs]
    await conn.execute("UPDATE run_payments SET outcome = 'paid', outcome_on = $3 WHERE run_id = $1"
                       " AND payment_reference = ANY($2::text[])", run_id, [p.reference for p in done.paid], today)
    await conn.execute("UPDATE invoices SET state = 'paid', updated_at = now() WHERE state = 'approved'"
                       " AND invoice_id = ANY($1::text[])", [i for p in done.paid for i in p.invoice_ids])
    await _record_returns(conn, run_id, stored, done, outcome, today, by)
    events = [e for p in done.paid if p.payee_kind is PayeeKind.PROVIDER for e in publishing.invoices_paid(run, p)]
    events += [publishing.payment_returned(run, p, reason, today) for p, reason in done.returned]
    await outbox.publish(conn, events, cause)
    return done


async def _record_returns(conn: asyncpg.Connection, run_id: str, stored: StoredRun, done: Confirmed, outcome,
                          today: date, by: str) -> None:
    refs = [p.reference for p, _ in done.returned]
    if not refs:
        return
    await conn.executemany("UPDATE run_payments SET outcome = 'returned', outcome_reason = $3, outcome_on = $4"
                           " WHERE run_id = $1 AND payment_reference = $2",
                           [(run_id, p.reference, reason, today) for p, reason in done.returned])
    # Returned settlements leave the one-approved-run index: their invoices and periods may be paid again.
    documents = [ln.line_id for p, _ in done.returned for ln in p.lines if ln.kind is not LineKind.ADJUSTMENT]
    await conn.execute("UPDATE settlements SET returned = true WHERE document_id = ANY($2::text[])"
                       " AND run_id = $1 AND NOT returned", run_id, documents)
    back = [b for b in outcome.invoices_back_to_approved if b.payment_reference in refs]
    await conn.execute("UPDATE invoices i SET return_hold = v.hold, updated_at = now()"
                       " FROM unnest($1::text[], $2::text[]) AS v(invoice_id, hold) WHERE i.invoice_id = v.invoice_id",
                       [b.invoice_id for b in back], [b.hold_reason for b in back])
    dps = [d for d in outcome.direct_payments_returned if d.payment_reference in refs]
    await conn.execute("UPDATE direct_payments d SET return_hold = v.hold, updated_at = now()"
                       " FROM unnest($1::text[], $2::text[]) AS v(agreement_id, hold)"
                       " WHERE d.agreement_id = v.agreement_id",
                       [d.agreement_id for d in dps], [d.hold_reason for d in dps])
    await conn.execute("UPDATE direct_payment_adjustments SET settled_by = NULL WHERE settled_by = $1"
                       " AND agreement_id = ANY($2::text[])", run_id, [d.agreement_id for d in dps])
    # Money that never reached a managed account leaves its ledger again (even if that shows it overdrawn).
    await store_accounts.record_many(conn, [(p.payee_id, LedgerEntry(
        today, LedgerEntryKind.DIRECT_PAYMENT_RETURNED, p.amount_pence, p.reference, f"Returned by the bank: {reason}"))
        for p, reason in done.returned if p.reference in stored.council_managed], by)
