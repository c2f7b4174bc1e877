"""Release the hold a returned payment left on an invoice or a direct payment: two people.

The first finance user records the release with a reason (PaymentHoldReleaseRecorded): the hold
stays. A different finance approver approves it (PaymentHoldReleased): only then is it lifted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.events import Cause
from shared.outbox import Outbox
from services.payments import events
from services.payments.domain.errors import RunConflict
from services.payments.domain.payment_run import Actor
from services.payments.domain.two_person import Decision, DecisionKind, SubjectKind, record
from services.payments.store import decisions as store_decisions

TABLES = {SubjectKind.INVOICE: ("invoices", "invoice_id"), SubjectKind.DIRECT_PAYMENT: ("direct_payments", "agreement_id")}
NAMES = {SubjectKind.INVOICE: "invoice", SubjectKind.DIRECT_PAYMENT: "direct payment"}


async def _held(conn: asyncpg.Connection, held: SubjectKind, held_id: str) -> bool:
    table, key = TABLES[held]
    return bool(await conn.fetchval(f"SELECT true FROM {table} WHERE {key} = $1 AND return_hold IS NOT NULL"
                                    " FOR UPDATE", held_id))


async def request_release(conn: asyncpg.Connection, held: SubjectKind, held_id: str, reason: str, by: Actor,
                          at: datetime, outbox: Outbox, cause: Cause) -> Decision:
    """The first person: record a pending release (LookupError when there is no hold to release)."""
    decision = record(store_decisions.new_id(DecisionKind.HOLD_RELEASE), DecisionKind.HOLD_RELEASE, held, held_id,
                      reason, by, at)
    if not await _held(conn, held, held_id):
        raise LookupError(held_id)
    if not await store_decisions.insert(conn, decision):
        [waiting] = (await store_decisions.pending_for(conn, DecisionKind.HOLD_RELEASE, held, [held_id])).values()
        raise RunConflict("release_id", f"the hold on {NAMES[held]} {held_id} already has release "
                                        f"{waiting.decision_id} recorded by {waiting.recorded_by}, awaiting a "
                                        "finance approver: approve that one")
    await outbox.publish(conn, [events.hold_release_recorded(decision)], cause)
    return decision


@dataclass
class Released:
    decision: Decision
    released: bool  # False: the hold had already gone (e.g. new bank details lifted it)


async def approve_release(conn: asyncpg.Connection, release_id: str, by: Actor, at: datetime, outbox: Outbox,
                          cause: Cause) -> Released:
    """The second person: a finance approver who did not record it; only now is the hold lifted
    (LookupError when there is no such release)."""
    decision = await store_decisions.locked(conn, DecisionKind.HOLD_RELEASE, release_id)
    if decision is None:
        raise LookupError(release_id)
    approved = decision.approve(by, at)
    await store_decisions.mark_approved(conn, approved)
    table, key = TABLES[approved.subject_kind]
    lifted = await conn.fetchval(f"UPDATE {table} SET return_hold = NULL, updated_at = now() WHERE {key} = $1"
                                 f" AND return_hold IS NOT NULL RETURNING {key}", approved.subject_id)
    if lifted is not None:
        await outbox.publish(conn, [events.hold_released(approved)], cause)
    return Released(approved, lifted is not None)
