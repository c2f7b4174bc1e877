"""Record what the bank paid or returned for an exported run (all rows of its report or none).

A paid payment settles its invoices. A returned one needs two people: the upload records the return
pending (nothing moves), and a different finance approver approves it (`approve_return`); only then
is the payment returned and its invoices (and direct-payment periods) freed to be paid again, held
until finance has dealt with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import asyncpg

from shared.clock import utcnow
from shared.events import Cause
from shared.outbox import Outbox
from services.payments import events
from services.payments.domain.confirmation import (BankConfirmation, ConfirmationProblem, ConfirmationStatus,
                                                   FinanceAlert, apply_confirmations, parse_confirmation_csv)
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.managed_accounts import LedgerEntry, LedgerEntryKind
from services.payments.domain.payment_run import Actor
from services.payments.domain.two_person import Decision, DecisionKind, SubjectKind, record
from services.payments.domain.run_lines import LineKind, PayeeKind, Payment
from services.payments.steps.run_step import locked
from services.payments.store import accounts as store_accounts
from services.payments.store import decisions as store_decisions
from services.payments.store.runs import StoredRun


class ConfirmationRefused(PaymentRefused):
    """The upload has rows that cannot be used: nothing of it is recorded."""

    def __init__(self, problems: list[ConfirmationProblem]) -> None:
        super().__init__("file", "; ".join(f"row {p.row} {p.field}: {p.message}" for p in problems[:20]))
        self.problems = problems


@dataclass
class Confirmed:
    paid: list[Payment] = field(default_factory=list)
    returned: list[tuple[Payment, str]] = field(default_factory=list)  # recorded as returned now
    already_recorded: int = 0
    alerts: list[FinanceAlert] = field(default_factory=list)
    returns_pending: list[tuple[Payment, Decision]] = field(default_factory=list)  # await a second person


async def confirm(conn: asyncpg.Connection, run_id: str, text: str, today: date, by: Actor, outbox: Outbox,
                  cause: Cause, at: datetime | None = None) -> Confirmed:
    """Record the bank's report (all rows or none). A paid payment settles its invoices; a returned
    one is recorded pending (PaymentReturnRecorded) and changes nothing until a different finance
    approver approves it (`approve_return`)."""
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
    reported = [p for p in outcome.returned if was[p.reference] != "returned"]
    pending = await store_decisions.pending_for(conn, DecisionKind.PAYMENT_RETURN, SubjectKind.PAYMENT,
                                                [p.reference for p in reported], run_id)
    done.already_recorded += sum(p.reference in pending for p in reported)
    at = at or utcnow()
    for p in reported:
        if p.reference not in pending:
            decision = record(store_decisions.new_id(DecisionKind.PAYMENT_RETURN), DecisionKind.PAYMENT_RETURN,
                              SubjectKind.PAYMENT, p.reference, reasons[p.reference], by, at, run_id=run_id,
                              reported_on=today)
            await store_decisions.insert(conn, decision)
            done.returns_pending.append((p, decision))
    recorded_refs = {p.reference for p, _ in done.returns_pending}
    done.alerts = [a for a in outcome.alerts if a.payment_reference in recorded_refs]
    await conn.execute("UPDATE run_payments SET outcome = 'paid', outcome_on = $3 WHERE run_id = $1"
                       " AND payment_reference = ANY($2::text[])", run_id, [p.reference for p in done.paid], today)
    await conn.execute("UPDATE invoices SET state = 'paid', updated_at = now() WHERE state = 'approved'"
                       " AND invoice_id = ANY($1::text[])", [i for p in done.paid for i in p.invoice_ids])
    told = [e for p in done.paid if p.payee_kind is PayeeKind.PROVIDER for e in events.invoices_paid(run, p)]
    told += [events.return_recorded(d, p) for p, d in done.returns_pending]
    await outbox.publish(conn, told, cause)
    return done


@dataclass
class ReturnApproved:
    decision: Decision
    payment: Payment
    alert: FinanceAlert | None


async def approve_return(conn: asyncpg.Connection, return_id: str, by: Actor, at: datetime, outbox: Outbox,
                         cause: Cause) -> ReturnApproved:
    """The second person: a finance approver who did not record the return approves it; only now is
    the payment returned, its settlements freed and its invoices or periods held (LookupError when
    there is no such return)."""
    decision = await store_decisions.locked(conn, DecisionKind.PAYMENT_RETURN, return_id)
    if decision is None:
        raise LookupError(return_id)
    approved = decision.approve(by, at)
    assert decision.run_id is not None and decision.reported_on is not None
    stored = await locked(conn, decision.run_id)
    payment = stored.run.payment(decision.subject_id)
    if stored.outcomes[payment.reference][0] == "returned":
        raise RunConflict("status", f"{payment.reference} is already recorded as returned by the bank")
    outcome = apply_confirmations(stored.run, [BankConfirmation(payment.reference, ConfirmationStatus.RETURNED,
                                                                decision.reason)])
    done = Confirmed(returned=[(payment, decision.reason)])
    await store_decisions.mark_approved(conn, approved)
    await _record_returns(conn, stored.run.run_id, stored, done, outcome, decision.reported_on, by.subject)
    told = [events.return_approved(approved, payment)]
    if payment.payee_kind is not PayeeKind.PERSONAL_ASSISTANT:  # a PA's return is told by PaymentReturnApproved alone
        told.append(events.payment_returned(stored.run, payment, decision.reason, decision.reported_on))
    await outbox.publish(conn, told, cause)
    return ReturnApproved(approved, payment, next(iter(outcome.alerts), None))


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
    # Money that never reached a managed account leaves its ledger again (even if that shows it overdrawn),
    # under the account's lock: an approval beside it sees what is left.
    await store_accounts.lock_accounts(conn, [p.payee_id for p, _ in done.returned
                                              if p.reference in stored.council_managed])
    await store_accounts.record_many(conn, [(p.payee_id, LedgerEntry(
        today, LedgerEntryKind.DIRECT_PAYMENT_RETURNED, p.amount_pence, p.reference, f"Returned by the bank: {reason}"))
        for p, reason in done.returned if p.reference in stored.council_managed], by)
    # Money a managed account paid out (a provider's invoices, a PA's net pay) that the bank sent back is the
    # person's again: credited to their ledger, so the documents it paid can be paid once more from it.
    for p, reason in done.returned:
        if any(line.funded_by for line in p.lines):
            await store_accounts.lock_accounts(conn, await store_accounts.accounts_paying(conn, [p.reference]))
            await store_accounts.credit_returned_payments(conn, [p.reference], today, reason, by)
