"""A direct payment's periodic returns: received (reconciled, or refused and nothing stored), audited by a
finance officer, signed off by a second person (DirectPaymentReturnAudited)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from shared.events import Cause
from shared.outbox import Outbox
from services.payments import events
from services.payments.domain.dp_returns import PeriodicReturn, ReturnAudit, check_period, return_surplus
from services.payments.domain.dp_terms import stretch_at, terms_of
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.payment_run import Actor
from services.payments.store import dp_returns as store
from services.payments.store import dp_terms
from services.payments.store import inputs as store_inputs
from services.payments.store.direct_payments import agreement_of


@dataclass(frozen=True)
class Received:
    return_id: str
    received: PeriodicReturn


async def held_direct_payment(conn: asyncpg.Connection, agreement_id: str, may_see: Callable[[str], bool],
                              *, lock: bool = False) -> asyncpg.Record:
    """The direct payment, if the caller may see its person (LookupError otherwise: not found)."""
    row = await store_inputs.direct_payment_row(conn, agreement_id, lock=lock)
    if row is None or not may_see(row["person_ref"]):
        raise LookupError(agreement_id)
    return row


async def submit(conn: asyncpg.Connection, agreement_id: str, period_start: date, period_end: date,
                 read: Callable[[], PeriodicReturn], may_see: Callable[[str], bool], by: Actor, at: datetime,
                 today: date) -> Received:
    """Store a reconciled return of a direct payment the person or a third party holds (`read` parses and
    reconciles it, refusing what does not); none of it is stored when anything is refused."""
    row = await held_direct_payment(conn, agreement_id, may_see, lock=True)
    if row["council_managed"]:
        raise RunConflict("agreement_id", f"{agreement_id} is held in a council-managed account: its ledger is the "
                                          "council's own, and no return is sent")
    check_period(period_start, period_end, row["start"], today)
    clash = await store.overlapping(conn, agreement_id, period_start, period_end)
    if clash is not None:
        raise PaymentRefused("period_start", f"return {clash['return_id']} already covers {clash['period_start']} to "
                                             f"{clash['period_end']}: a return covers each day once")
    received = read()
    return_id = store.new_id()
    await store.insert(conn, return_id, agreement_id, row["person_ref"], received, by.subject, by.role, at)
    return Received(return_id, received)


async def _locked(conn: asyncpg.Connection, return_id: str) -> asyncpg.Record:
    row = await store.locked(conn, return_id)
    if row is None:
        raise LookupError(return_id)
    return row


async def audit(conn: asyncpg.Connection, return_id: str, balance_pence: int | None, weeks: int, by: Actor,
                at: datetime) -> ReturnAudit:
    """Record the audited balance (the return's closing balance unless the officer found another) and its
    surplus above `weeks` weeks of the payment's weekly net amount in force at the period's end. Pending
    until a second person signs it off."""
    row = await _locked(conn, return_id)
    dp = await store_inputs.direct_payment_row(conn, row["agreement_id"])
    held = (await dp_terms.terms_for(conn, [row["agreement_id"]])).get(row["agreement_id"], ())
    in_force = stretch_at(terms_of(agreement_of(dp, [], 0, "", held)), row["period_end"]).terms
    balance = row["closing_balance_pence"] if balance_pence is None else balance_pence
    audited = store.audit_of(row).audit(balance, return_surplus(balance, in_force.net_per_four_weeks_pence, weeks),
                                        by, at)
    await store.save_audit(conn, audited)
    return audited


async def sign_off(conn: asyncpg.Connection, return_id: str, by: Actor, at: datetime, outbox: Outbox,
                   cause: Cause) -> ReturnAudit:
    """The second person signs the audit off: only now does it count, and it is published."""
    row = await _locked(conn, return_id)
    signed = store.audit_of(row).sign_off(by, at)
    await store.save_audit(conn, signed)
    await outbox.publish(conn, [events.return_audited(signed, row["agreement_id"], row["person_ref"],
                                                      row["period_start"], row["period_end"])], cause)
    return signed
