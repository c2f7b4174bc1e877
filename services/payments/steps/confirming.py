"""Record what the bank paid or returned for an exported run (all rows of its report or none).

A paid payment settles its invoices; a returned one frees them (and its direct-payment periods) to be
paid again once finance has dealt with the reason: they are held until then.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import asyncpg

from shared.events import Cause
from shared.outbox import Outbox
from services.payments import events
from services.payments.domain.confirmation import (ConfirmationProblem, FinanceAlert, apply_confirmations,
                                                   parse_confirmation_csv)
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.managed_accounts import LedgerEntry, LedgerEntryKind
from services.payments.domain.run_lines import LineKind, PayeeKind, Payment
from services.payments.steps.run_step import locked
from services.payments.store import accounts as store_accounts
from services.payments.store.runs import StoredRun


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
    told = [e for p in done.paid if p.payee_kind is PayeeKind.PROVIDER for e in events.invoices_paid(run, p)]
    told += [events.payment_returned(run, p, reason, today) for p, reason in done.returned]
    await outbox.publish(conn, told, cause)
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
