"""Reclaims: raised by a finance officer (pending), approved by a second person (DirectPaymentReclaimRaised).

A netting reclaim is then taken from the direct payment's next payments (each run's proposal nets what
is left; approving the run settles it, `0012_direct_payment_audit.sql`); a debt waits for the debtors
export; a council-managed account's unspent money leaves its ledger as a recovery to the council.
"""
from __future__ import annotations

from datetime import date, datetime

import asyncpg

from shared.events import Cause
from shared.money import format_gbp
from shared.outbox import Outbox
from services.payments import events
from services.payments.domain.dp_reclaims import (AuditedReturn, HeldDirectPayment, Reclaim, ReclaimMethod,
                                                  ReclaimReason, raise_reclaim)
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.managed_accounts import LedgerEntry, LedgerEntryKind
from services.payments.domain.payment_run import Actor
from services.payments.store import accounts as store_accounts
from services.payments.store import dp_reclaims as store
from services.payments.store import dp_returns as store_returns
from services.payments.store import inputs as store_inputs


async def _available_in_account(conn: asyncpg.Connection, row: asyncpg.Record, besides: str | None = None) -> int:
    """A council-managed account's balance after every pending debit and every reclaim not yet approved."""
    account = await store_accounts.account(conn, row["agreement_id"], row["person_ref"])
    return (account.balance_pence() - await store.pending_debits(conn, row["agreement_id"])
            - await store.pending_from_account(conn, row["agreement_id"], besides=besides))


async def _audited(conn: asyncpg.Connection, agreement_id: str, return_id: str) -> AuditedReturn:
    r = await store_returns.locked(conn, return_id)
    if r is None or r["agreement_id"] != agreement_id:
        raise PaymentRefused("return_id", f"direct payment {agreement_id} has no return {return_id}")
    audited = r["audited_balance_pence"]
    return AuditedReturn(return_id, r["status"] == "signed_off", r["period_end"],
                         r["closing_balance_pence"] if audited is None else audited, r["surplus_pence"] or 0,
                         await store.reclaimed_from_return(conn, return_id))


async def raise_(conn: asyncpg.Connection, agreement_id: str, reason: ReclaimReason, method: ReclaimMethod,
                 amount_pence: int, return_id: str | None, by: Actor, at: datetime, today: date) -> Reclaim:
    """Record a reclaim pending a second person (LookupError when there is no such direct payment)."""
    row = await store_inputs.direct_payment_row(conn, agreement_id, lock=True)  # one reclaim at a time per payment
    if row is None:
        raise LookupError(agreement_id)
    dp = HeldDirectPayment(agreement_id, row["person_ref"], row["council_managed"], row["last_day"])
    audited = None if return_id is None else await _audited(conn, agreement_id, return_id)
    available = await _available_in_account(conn, row) if row["council_managed"] else None
    reclaim = raise_reclaim(store.new_id(), dp, reason, method, amount_pence, by, at, today, audited, available)
    await store.insert(conn, reclaim)
    return reclaim


async def approve(conn: asyncpg.Connection, reclaim_id: str, by: Actor, at: datetime, today: date, outbox: Outbox,
                  cause: Cause) -> Reclaim:
    """The second person approves it: a council-managed account's unspent money leaves its ledger now
    (refused if debits since have left less than the reclaim); it is published."""
    reclaim = await store.locked(conn, reclaim_id)
    if reclaim is None:
        raise LookupError(reclaim_id)
    row = await store_inputs.direct_payment_row(conn, reclaim.agreement_id, lock=True)
    approved = reclaim.approve(by, at)
    if reclaim.council_managed:
        # Under the account's lock, as a run's approval and export take it: one change of the ledger at a time.
        await store_accounts.lock_accounts(conn, [reclaim.agreement_id])
        available = await _available_in_account(conn, row, besides=reclaim_id)
        if reclaim.amount_pence > available:
            raise PaymentRefused("amount_pence", "a reclaim larger than the balance: "
                                                 f"{format_gbp(reclaim.amount_pence)} asked, "
                                                 f"{format_gbp(max(available, 0))} left in the managed account after "
                                                 "every pending debit")
        entry = LedgerEntry(today, LedgerEntryKind.RECOVERY_TO_COUNCIL, reclaim.amount_pence, reclaim_id,
                            "Unspent at the end of the direct payment: recovered by the council")
        account = await store_accounts.account(conn, reclaim.agreement_id, reclaim.person_ref)
        account.record(entry)  # never overdrawn on any day
        await store_accounts.record(conn, reclaim.agreement_id, entry, by.subject)
    elif reclaim.method is ReclaimMethod.NETTING and row["last_day"] is not None:
        raise RunConflict("method", f"direct payment {reclaim.agreement_id} ended on {row['last_day']} after the "
                                    "reclaim was raised: nothing is left to net from; raise it again as a debt")
    await store.mark_approved(conn, approved)
    await outbox.publish(conn, [events.reclaim_raised(approved)], cause)
    return approved
