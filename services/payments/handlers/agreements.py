"""agreements.events and agreements.payee-accounts in: payees, their bank details, agreement end
dates and funding, direct payments, personal assistants.

Bank details come only on agreements.payee-accounts (`PAYEE_ACCOUNTS`, which only payments reads),
keyed by provider, so a change, its verification and its rejection arrive in order; agreements.events
(`AGREEMENTS`) carries no account. A verification changes where a provider is paid only for a change
payments was told about (same change id, provider and account) and verified by someone other than
who entered it; any other is dead-lettered and counted
(`carepay_payments_bank_verifications_refused_total{reason}`). A direct payment's account
(`DirectPaymentPayeeAccountSet`) and its agreement (`DirectPaymentAgreed`) may arrive in either order:
until both have, a run leaves it out for want of bank details. A personal assistant's bank details are
a payee's like any provider's (the pa_id as `provider_id`), and need no ProviderRegistered first.

Version 1 of ProviderBankDetailsChanged/Verified and DirectPaymentAgreed (with the account, on
agreements.events) are still applied, for records published before the account moved.

A repeat DirectPaymentAgreed for a known agreement is a change from its `start`: days already paid
in advance at the old amount are corrected through the next payment (an adjustment). A
DirectPaymentVaried changes it from its `effective_from` (`steps.varying`; an older version than the
one applied changes nothing, nor does an agreement repeated after a variation). An ending stops
every later period and works out what was paid for days after it, to recover.

Never log bank details or names: identifiers only.
"""
from __future__ import annotations

from collections import OrderedDict

import asyncpg

from contracts import agreements, payee_accounts
from shared.consumer import Context, EventConsumer
from shared.records import Poison
from shared.logging import get_logger
from services.payments.config import payments_config
from services.payments.domain.direct_payments import (adjustment_for_change, correction, end_direct_payment,
                                                      paid_until, repriced)
from services.payments.domain.errors import PaymentRefused
from services.payments.metrics import BANK_VERIFICATIONS_REFUSED
from services.payments.steps.varying import vary_direct_payment
from services.payments.store import bank_changes, inputs as store
from services.payments.store.timesheets import save_personal_assistant
from services.payments.store.direct_payments import agreement_of, paid_periods

log = get_logger(__name__)
WEEKS = 4


# --- payees ----------------------------------------------------------------------------------

async def on_provider_registered(conn: asyncpg.Connection, event: agreements.ProviderRegistered,
                                 ctx: Context) -> None:
    await store.name_payee(conn, event.provider_id, event.name)


BankChange = payee_accounts.PayeeBankDetailsEntered | agreements.ProviderBankDetailsChangedV1
BankVerification = payee_accounts.PayeeBankDetailsVerified | agreements.ProviderBankDetailsVerifiedV1


async def on_bank_details_changed(conn: asyncpg.Connection, event: BankChange, ctx: Context) -> None:
    """Remember the change (its account's fingerprint, and the envelope's actor as who entered it) and
    hold the provider's payments until it is verified. A change id already known changes nothing."""
    if not await bank_changes.record_change(conn, event.provider_id, event.change_id, event.account_fingerprint,
                                            ctx.envelope.actor.id):
        log.warning("bank details change already known; ignored", provider_id=event.provider_id,
                    change_id=event.change_id)
        return
    await store.hold_payee(conn, event.provider_id, event.change_id)
    log.info("provider payments held: bank details await verification", provider_id=event.provider_id,
             change_id=event.change_id)


_REFUSALS_COUNTED: OrderedDict[str, None] = OrderedDict()


def _refuse(ctx: Context, event: BankVerification, reason: str, error: str) -> Poison:
    """Dead-letter a verification that must not change the account, counted once per event (the
    consumer tries a refused event again on its own before dead-lettering it)."""
    event_id = str(ctx.envelope.event_id)
    if event_id not in _REFUSALS_COUNTED:
        _REFUSALS_COUNTED[event_id] = None
        if len(_REFUSALS_COUNTED) > 1000:
            _REFUSALS_COUNTED.popitem(last=False)
        BANK_VERIFICATIONS_REFUSED.labels(reason).inc()
        log.warning("bank details verification refused: account not changed", provider_id=event.provider_id,
                    change_id=event.change_id, reason=reason)
    return Poison(reason, error)


async def on_bank_details_verified(conn: asyncpg.Connection, event: BankVerification, ctx: Context) -> None:
    """Pay to the verified account only when payments was told of this change, for this provider and
    this account, and someone other than who entered it verified it. Anything else is dead-lettered:
    a forged or stray verification must never redirect payments."""
    where = f"change {event.change_id} of provider {event.provider_id}"
    change = await bank_changes.change(conn, event.change_id)
    if change is None:
        raise _refuse(ctx, event, "unknown_bank_change",
                      f"{where}: no PayeeBankDetailsEntered with this change_id was received")
    if change["provider_id"] != event.provider_id:
        raise _refuse(ctx, event, "bank_change_mismatch", f"{where}: the change was entered for another provider")
    if change["account_fingerprint"] is None:
        raise _refuse(ctx, event, "bank_change_mismatch",
                      f"{where}: the change event carried no account_fingerprint to compare bank_account with")
    if change["account_fingerprint"] != event.bank_account.fingerprint():
        raise _refuse(ctx, event, "bank_change_mismatch",
                      f"{where}: bank_account is not the account entered in the change")
    verifier = ctx.envelope.actor.id
    if verifier == change["entered_by"]:
        raise _refuse(ctx, event, "bank_change_self_verified",
                      f"{where}: verified by the person who entered it (envelope actor.id); a second person must")
    if change["status"] == "verified":
        log.info("bank details change already verified; not applied again", provider_id=event.provider_id,
                 change_id=event.change_id)
        return
    if change["status"] != "unverified":
        raise _refuse(ctx, event, "bank_change_not_pending",
                      f"{where}: the change is {change['status']}, so it cannot be verified")
    await bank_changes.decide(conn, event.change_id, "verified", verifier)
    await store.verify_payee(conn, event.provider_id, event.change_id, event.bank_account)
    log.info("provider bank details verified", provider_id=event.provider_id, change_id=event.change_id)


async def on_bank_details_rejected(conn: asyncpg.Connection, event: payee_accounts.PayeeBankDetailsRejected,
                                   ctx: Context) -> None:
    await bank_changes.decide(conn, event.change_id, "rejected", ctx.envelope.actor.id)
    await store.reject_payee_change(conn, event.provider_id, event.change_id, event.previous_account_stands)


# --- personal assistants ----------------------------------------------------------------------

async def on_personal_assistant_registered(conn: asyncpg.Connection, event: agreements.PersonalAssistantRegistered,
                                           ctx: Context) -> None:
    """The PA as now described (latest wins, by the event's time): who employs them, when, at which rates.
    Their bank details come like a provider's, on PAYEE_ACCOUNTS with the pa_id as payee."""
    if not await save_personal_assistant(conn, event, ctx.envelope.occurred_at):
        log.info("personal assistant described earlier than what is kept; ignored", pa_id=event.pa_id)


# --- agreements ------------------------------------------------------------------------------

async def on_agreement(conn: asyncpg.Connection, event: agreements.AgreementActivated | agreements.AgreementVaried
                       | agreements.AgreementSuspended | agreements.AgreementResumed | agreements.AgreementEnded,
                       ctx: Context) -> None:
    """Every agreement event carries the whole agreement: keep its end date, service type and where its
    money comes from (`funding`, and the council-managed `direct_payment_id` that funds it)."""
    await store.record_agreement(conn, event)


# --- direct payments -------------------------------------------------------------------------

async def on_payee_account_set(conn: asyncpg.Connection, event: payee_accounts.DirectPaymentPayeeAccountSet,
                               ctx: Context) -> None:
    await store.lock_direct_payment(conn, event.agreement_id)
    await store.set_direct_payment_payee(conn, event.agreement_id, event.payee_account)
    log.info("direct payment payee account recorded", agreement_id=event.agreement_id)


async def on_direct_payment_agreed(conn: asyncpg.Connection,
                                   event: agreements.DirectPaymentAgreed | agreements.DirectPaymentAgreedV1,
                                   ctx: Context) -> None:
    contribution = WEEKS * event.weekly_contribution_pence
    # The event's amount is already net of the contribution; the domain keeps budget and contribution apart.
    amount = event.amount_per_four_weeks_pence + contribution
    await store.lock_direct_payment(conn, event.agreement_id)
    before = await store.direct_payment_row(conn, event.agreement_id, lock=True)
    if before is not None and before["last_day"] is not None:
        log.warning("direct payment agreed again after it ended; ignored", agreement_id=event.agreement_id)
        return
    if before is not None and before["terms_version"] > 1:
        log.warning("direct payment agreed again after it was varied; ignored", agreement_id=event.agreement_id)
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
    if isinstance(event, agreements.DirectPaymentAgreedV1):  # from before the account moved topic
        await store.set_direct_payment_payee(conn, event.agreement_id, event.payee_account)


async def on_direct_payment_ended(conn: asyncpg.Connection, event: agreements.DirectPaymentEnded,
                                  ctx: Context) -> None:
    row = await store.direct_payment_row(conn, event.agreement_id, lock=True)
    if row is None:
        log.warning("direct payment ended before payments heard it was agreed", agreement_id=event.agreement_id)
        return
    paid = (await paid_periods(conn, [event.agreement_id])).get(event.agreement_id, [])
    # A change not yet paid is owed only for the days up to the end: recompute it on those days.
    before_end = paid_until(paid, event.end)
    owed = sum(correction(before_end, c["effective_from"], c["effective_until"], c["from_net_pence"],
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


async def on_direct_payment_varied(conn: asyncpg.Connection, event: agreements.DirectPaymentVaried,
                                   ctx: Context) -> None:
    await vary_direct_payment(conn, event)


AGREEMENTS = EventConsumer(
    name="payments.agreements",
    topic=agreements.TOPIC,
    # Not ProviderBankDetailsChanged/Verified/Rejected v2: payments takes those from PAYEE_ACCOUNTS, in order.
    handlers={agreements.ProviderRegistered: on_provider_registered,
              agreements.ProviderBankDetailsChangedV1: on_bank_details_changed,
              agreements.ProviderBankDetailsVerifiedV1: on_bank_details_verified,
              agreements.AgreementActivated: on_agreement, agreements.AgreementVaried: on_agreement,
              agreements.AgreementSuspended: on_agreement, agreements.AgreementResumed: on_agreement,
              agreements.AgreementEnded: on_agreement,
              agreements.DirectPaymentAgreed: on_direct_payment_agreed,
              agreements.DirectPaymentAgreedV1: on_direct_payment_agreed,
              agreements.DirectPaymentVaried: on_direct_payment_varied,
              agreements.DirectPaymentEnded: on_direct_payment_ended,
              agreements.PersonalAssistantRegistered: on_personal_assistant_registered},
    description="Payees' names, agreement end dates, direct payments, personal assistants (no bank details: see "
                "PAYEE_ACCOUNTS).",
)

PAYEE_ACCOUNTS = EventConsumer(
    name="payments.payee-accounts",
    topic=payee_accounts.TOPIC,
    handlers={payee_accounts.PayeeBankDetailsEntered: on_bank_details_changed,
              payee_accounts.PayeeBankDetailsVerified: on_bank_details_verified,
              payee_accounts.PayeeBankDetailsRejected: on_bank_details_rejected,
              payee_accounts.DirectPaymentPayeeAccountSet: on_payee_account_set},
    description="Bank details entered, verified and rejected, and direct payments' payee accounts.",
)
