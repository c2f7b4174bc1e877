"""Vary a live direct payment (DirectPaymentVaried): its new terms from a date, and the correction of days
already paid in advance, added to its next payment (in the consumer's transaction)."""
from __future__ import annotations

import asyncpg

from contracts import agreements
from shared.logging import get_logger
from services.payments.domain.dp_terms import terms_of
from services.payments.domain.dp_variation import is_stale, vary
from services.payments.store import dp_terms
from services.payments.store import inputs as store
from services.payments.store.direct_payments import agreement_of, paid_periods

log = get_logger(__name__)
WEEKS = 4


async def vary_direct_payment(conn: asyncpg.Connection, event: agreements.DirectPaymentVaried) -> None:
    """Apply the variation unless payments already holds this version or a later one, or the payment has
    ended. One payments has not heard of is taken as the payment from its start."""
    contribution = WEEKS * event.weekly_contribution_pence
    amount = event.amount_per_four_weeks_pence + contribution  # the row keeps budget and contribution apart
    await store.lock_direct_payment(conn, event.agreement_id)
    row = await store.direct_payment_row(conn, event.agreement_id, lock=True)
    if row is None:
        log.warning("direct payment varied before payments heard it was agreed: taken as it stands",
                    agreement_id=event.agreement_id, version=event.version)
        await store.save_direct_payment(conn, event, amount, contribution, terms_version=event.version)
        return
    if row["last_day"] is not None:
        log.warning("direct payment varied after it ended; ignored", agreement_id=event.agreement_id,
                    version=event.version)
        return
    if is_stale(event.version, row["terms_version"]):
        log.info("direct payment variation no newer than the one applied; ignored", agreement_id=event.agreement_id,
                 version=event.version, applied_version=row["terms_version"])
        return
    paid = (await paid_periods(conn, [event.agreement_id])).get(event.agreement_id, [])
    held = (await dp_terms.terms_for(conn, [event.agreement_id])).get(event.agreement_id, ())
    before = terms_of(agreement_of(row, paid, 0, "", held))
    variation = vary(before, paid, event.effective_from, event.amount_per_four_weeks_pence, event.cycle)
    for c in variation.corrections:
        await store.add_adjustment(conn, event.agreement_id, c.amount_pence, c.first, c.from_net_pence,
                                   c.to_net_pence, f"varied from {c.first:%d %b %Y} (version {event.version}) "
                                                   "for days already paid", effective_until=c.last)
    await dp_terms.replace_terms(conn, event.agreement_id, variation.terms)
    await dp_terms.apply_variation(conn, event.agreement_id, amount, contribution, event.cycle, event.version,
                                   repriced=variation.terms != before)
    log.info("direct payment varied", agreement_id=event.agreement_id, version=event.version,
             effective_from=event.effective_from, cycle=event.cycle.value,
             adjustment_pence=variation.adjustment_pence)
