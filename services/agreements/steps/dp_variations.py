"""Varying a live direct payment, and approving a large variation: each in the caller's transaction.

A variation in force (at once, or when approved) stores its version, publishes `DirectPaymentVaried`
(the payment as it now stands) through the outbox with an audit line, and refreshes the person's
commitment. A pending one stores the request and an audit line only: nothing is published and
nothing is paid differently until a second person approves it. Call with the payment locked
(`api.direct_payments.visible_direct_payment(lock=True)`: its row and its person).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import asyncpg

from contracts.common import Cycle
from shared.auth import Principal
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.dp_variations import (Variation, VariationStatus, check_live, needs_second_person,
                                                      new_variation_id, propose)
from services.agreements.domain.errors import Conflict
from services.agreements.events import direct_payment_varied
from services.agreements.steps.commitments import refresh_commitment
from services.agreements.store import audit as store_audit, commitments as store_commitments
from services.agreements.store import dp_variations as store_variations

log = get_logger(__name__)


@dataclass(frozen=True)
class Change:
    """What an officer asks to change (None: not given)."""

    effective_from: date | None = None
    weekly_budget_pence: int | None = None
    weekly_contribution_pence: int | None = None
    cycle: Cycle | None = None
    reassessment_id: str | None = None
    reason: str | None = None


async def vary(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal,
               payment: DirectPayment, change: Change, today: date, second_person_above_pence: int
               ) -> tuple[DirectPayment, Variation]:
    """Propose the next version (Rejected or Conflict names what is wrong); in force at once, or pending when it raises
    the four-weekly amount by more than `second_person_above_pence`. A variation pending before is superseded."""
    reassessment = None
    if change.reassessment_id is not None:
        reassessment = await store_commitments.reassessment(conn, change.reassessment_id)
        if reassessment is None:
            raise Conflict("reassessment_id", f"no reassessment {change.reassessment_id} is known here (yet)",
                           code="unknown_reassessment")
    terms = propose(payment, today, effective_from=change.effective_from,
                    weekly_budget_pence=change.weekly_budget_pence,
                    weekly_contribution_pence=change.weekly_contribution_pence, cycle=change.cycle,
                    reassessment=reassessment)
    pending = needs_second_person(payment, terms, second_person_above_pence)
    variation = Variation(new_variation_id(), payment.agreement_id, terms, principal.subject, principal.role,
                          status=VariationStatus.PENDING if pending else VariationStatus.IN_FORCE)
    for superseded in await store_variations.supersede_pending(conn, payment.agreement_id):
        await store_audit.record_action(conn, payment.agreement_id, "direct_payment_variation_superseded",
                                        principal.subject, principal.role,
                                        f"{superseded} superseded by {variation.variation_id}")
    await store_variations.insert(conn, variation)
    if pending:
        await store_audit.record_action(conn, payment.agreement_id, "direct_payment_variation_requested",
                                        principal.subject, principal.role, change.reason)
        log.info("direct payment variation awaits a second person", agreement_id=payment.agreement_id,
                 variation_id=variation.variation_id)
        return payment, variation
    await store_audit.record_action(conn, payment.agreement_id, "direct_payment_varied", principal.subject,
                                    principal.role, change.reason)
    return await _in_force(conn, outbox, cause, payment, variation), variation


async def approve(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal,
                  payment: DirectPayment, variation_id: str, today: date, reason: str | None
                  ) -> tuple[DirectPayment, Variation] | None:
    """The second person approves a pending variation (NotAllowed: the one who asked, or the wrong role);
    it takes the next version and is published. None when the payment has no such variation."""
    pending = await store_variations.get(conn, payment.agreement_id, variation_id, payment.current.version + 1,
                                         for_update=True)
    if pending is None:
        return None
    approved = pending.approve(principal.subject, principal.role)
    check_live(payment, today)
    if payment.end is not None and approved.terms.effective_from > payment.end:
        raise Conflict(None, f"the direct payment now ends on {payment.end}, before this variation's "
                             f"{approved.terms.effective_from}", code="outside_direct_payment")
    approved = replace(approved, terms=replace(approved.terms, version=payment.current.version + 1))
    await store_variations.put_in_force(conn, approved)
    await store_audit.record_action(conn, payment.agreement_id, "direct_payment_variation_approved",
                                    principal.subject, principal.role, reason)
    return await _in_force(conn, outbox, cause, payment, approved), approved


async def _in_force(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, payment: DirectPayment,
                    variation: Variation) -> DirectPayment:
    varied = payment.with_version(variation.terms)
    await outbox.publish(conn, [direct_payment_varied(varied, variation.terms)], cause)
    await refresh_commitment(conn, outbox, cause, varied.person_ref)
    return varied
