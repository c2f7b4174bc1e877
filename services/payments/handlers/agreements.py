"""agreements.events in: payees and their verified bank details, agreement end dates, direct payments.

A repeat DirectPaymentAgreed for a known agreement is a change from its `start`: days already paid
in advance at the old amount are corrected through the next payment (an adjustment). An ending
stops every later period and works out what was paid for days after it, to recover.

Never log bank details or names: identifiers only.
"""
from __future__ import annotations

import asyncpg

from contracts import agreements
from shared.consumer import Context, EventConsumer
from shared.logging import get_logger
from services.payments.config import payments_config
from services.payments.domain.direct_payments import (adjustment_for_change, end_direct_payment, paid_until,
                                                      repriced)
from services.payments.domain.errors import PaymentRefused
from services.payments.store import inputs as store
from services.payments.store.direct_payments import agreement_of, paid_periods

log = get_logger(__name__)
WEEKS = 4


# --- payees ----------------------------------------------------------------------------------

async def on_provider_registered(conn: asyncpg.Connection, event: agreements.ProviderRegistered,
                                 ctx: Context) -> None:
    await store.name_payee(conn, event.provider_id, event.name)


async def on_bank_details_changed(conn: asyncpg.Connection, event: agreements.ProviderBankDetailsChanged,
                                  ctx: Context) -> None:
    await store.hold_payee(conn, event.provider_id, event.change_id)
    log.info("provider payments held: bank details await verification", provider_id=event.provider_id)


async def on_bank_details_verified(conn: asyncpg.Connection, event: agreements.ProviderBankDetailsVerified,
                                   ctx: Context) -> None:
    await store.verify_payee(conn, event.provider_id, event.change_id, event.bank_account)
    log.info("provider bank details verified", provider_id=event.provider_id)


async def on_bank_details_rejected(conn: asyncpg.Connection, event: agreements.ProviderBankDetailsRejected,
                                   ctx: Context) -> None:
    await store.reject_payee_change(conn, event.provider_id, event.change_id, event.previous_account_stands)


# --- agreements ------------------------------------------------------------------------------

async def on_agreement(conn: asyncpg.Connection, event: agreements.AgreementActivated | agreements.AgreementVaried
                       | agreements.AgreementSuspended | agreements.AgreementResumed | agreements.AgreementEnded,
                       ctx: Context) -> None:
    """Every agreement event carries the whole agreement: keep its end date and service type."""
    await store.record_agreement(conn, event)


# --- direct payments -------------------------------------------------------------------------

async def on_direct_payment_agreed(conn: asyncpg.Connection, event: agreements.DirectPaymentAgreed,
                                   ctx: Context) -> None:
    contribution = WEEKS * event.weekly_contribution_pence
    # The event's amount is already net of the contribution; the domain keeps budget and contribution apart.
    amount = event.amount_per_four_weeks_pence + contribution
    before = await store.direct_payment_row(conn, event.agreement_id, lock=True)
    if before is not None and before["last_day"] is not None:
        log.warning("direct payment agreed again after it ended; ignored", agreement_id=event.agreement_id)
        return
    if before is not None:
        old_net = before["amount_per_four_weeks_pence"] - before["contribution_per_four_weeks_pence"]
        if old_net != event.amount_per_four_weeks_pence:
            paid = (await paid_periods(conn, [event.agreement_id])).get(event.agreement_id, [])
            effective = max(event.start, before["start"])
            # Priced at the amount before this change, so an earlier change's correction is not counted twice.
            adjustment = adjustment_for_change(repriced(paid, old_net), effective, event.amount_per_four_weeks_pence)
            if adjustment:
                await store.add_adjustment(conn, event.agreement_id, adjustment, effective, old_net,
                                           event.amount_per_four_weeks_pence,
                                           f"amount changed from {effective:%d %b %Y} for days already paid")
                log.info("direct payment changed: next payment adjusted", agreement_id=event.agreement_id,
                         adjustment_pence=adjustment)
    await store.save_direct_payment(conn, event, amount, contribution)


async def on_direct_payment_ended(conn: asyncpg.Connection, event: agreements.DirectPaymentEnded,
                                  ctx: Context) -> None:
    row = await store.direct_payment_row(conn, event.agreement_id, lock=True)
    if row is None:
        log.warning("direct payment ended before payments heard it was agreed", agreement_id=event.agreement_id)
        return
    paid = (await paid_periods(conn, [event.agreement_id])).get(event.agreement_id, [])
    # A change not yet paid is owed only for the days up to the end: recompute it on those days.
    before_end = paid_until(paid, event.end)
    owed = sum(adjustment_for_change(repriced(before_end, c["from_net_pence"]), c["effective_from"],
                                     c["to_net_pence"]) for c in await store.pending_changes(conn, event.agreement_id))
    agreement = agreement_of(row, paid, owed, payments_config().dp_cost_centre)
    try:
        ending = end_direct_payment(agreement, event.end, paid)
    except PaymentRefused as refused:
        # e.g. an ending later than one already recorded: the earlier ending stands.
        log.warning("direct payment ending not applied", agreement_id=event.agreement_id, why=refused.rule)
        return
    await store.end_direct_payment(conn, event.agreement_id, event.end, str(event.reason), ending.recovery_pence,
                                   ending.detail)
    if ending.recovery_pence > 0:
        log.info("direct payment ended with an amount to recover", agreement_id=event.agreement_id,
                 recovery_pence=ending.recovery_pence)


AGREEMENTS = EventConsumer(
    name="payments.agreements",
    topic=agreements.TOPIC,
    handlers={agreements.ProviderRegistered: on_provider_registered,
              agreements.ProviderBankDetailsChanged: on_bank_details_changed,
              agreements.ProviderBankDetailsVerified: on_bank_details_verified,
              agreements.ProviderBankDetailsRejected: on_bank_details_rejected,
              agreements.AgreementActivated: on_agreement, agreements.AgreementVaried: on_agreement,
              agreements.AgreementSuspended: on_agreement, agreements.AgreementResumed: on_agreement,
              agreements.AgreementEnded: on_agreement,
              agreements.DirectPaymentAgreed: on_direct_payment_agreed,
              agreements.DirectPaymentEnded: on_direct_payment_ended},
    description="Payees and their verified bank details, agreement end dates, direct payments.",
)
