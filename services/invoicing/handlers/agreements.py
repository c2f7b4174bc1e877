"""agreements.events in: the latest agreement (its cost centre included), provider facts and commitments
(each agreement's weekly figure and its weekly cost by business date) invoicing checks against.

A fact that arrives after the invoices that need it (the topics are not ordered against each
other) is caught up here: confirmed weeks of an agreement not yet self-billed are billed when the
agreement or the provider's self-billing agreement arrives, and held invoices waiting for the
fact are checked again. An agreement with an end gets back what its invoices scheduled or paid charged
for days after it (`steps/overpayments.py`). A death computes again, at once, every contribution already
charged for the person for days after it; a direct payment's days (from its start to its end, each
kept latest-wins by `occurred_at`) are no days of contribution, so the periods they change are computed
again too (`steps/contributions.py`).
"""
from __future__ import annotations

from datetime import timedelta

import asyncpg

from contracts import agreements as contract
from contracts.common import PaymentBasis
from shared.clock import london_date, utcnow
from shared.consumer import Context, EventConsumer
from shared.records import Incoming
from shared.events import Cause
from shared.logging import get_logger
from services.invoicing.domain.agreement_facts import agreement_on_file, bank_details_after, commitment_on_file
from services.invoicing.domain.holds import HoldCode as H
from services.invoicing.steps.contributions import recharge_from
from services.invoicing.steps.overpayments import recover
from services.invoicing.steps.self_billing import self_bill
from services.invoicing.steps.validation import SYSTEM, lock_agreements, lock_provider_facts, recheck_held
from services.invoicing.store import actuals as store_actuals
from services.invoicing.store import contributions as store_contributions
from services.invoicing.store import direct_payment_windows as store_windows
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices

log = get_logger(__name__)

AGREEMENT_HOLDS = (H.AGREEMENT_NOT_FOUND.value, H.AGREEMENT_NOT_ACTIVE.value, H.AGREEMENT_OF_ANOTHER_PERSON.value,
                   H.AMOUNT_DIFFERS_FROM_PLAN.value, H.ABOVE_COMMITMENT.value)
COMMITMENT_HOLDS = (H.COMMITMENT_UNKNOWN.value, H.ABOVE_COMMITMENT.value)
# Only whether the account is verified (never the account: it goes to payments alone); version 1
# carried it, and is still read for records published before.
BankDetailsEvent = (contract.ProviderBankDetailsChanged | contract.ProviderBankDetailsVerified
                    | contract.ProviderBankDetailsRejected | contract.ProviderBankDetailsChangedV1
                    | contract.ProviderBankDetailsVerifiedV1)


def _cause(ctx: Context) -> Cause:
    """What follows from a fact is the system's doing (same flow, caused by the fact)."""
    return Cause.from_envelope(ctx.envelope, SYSTEM)


async def _catch_up_self_bills(conn: asyncpg.Connection, ctx: Context, agreement_ids: list[str]) -> None:
    pending = await store_actuals.unbilled_confirmed_weeks(conn, agreement_ids)
    if pending:
        cause = _cause(ctx)
        raised = await self_bill(conn, ctx.outbox, lambda _a: cause, pending, issued_on=london_date(utcnow()))
        log.info("self-billed confirmed weeks that were waiting for this fact", invoices=len(raised))


async def on_agreement(conn: asyncpg.Connection, event: contract.AgreementEvent,
                       ctx: Context[contract.AgreementEvent]) -> None:
    # In the order every path takes them: a provider invoice or confirmation being checked against this
    # agreement side by side either commits first (and is caught up below) or waits and sees it.
    await lock_provider_facts(conn, [event.provider_id])
    await lock_agreements(conn, [event.agreement_id])
    kept = await store_facts.keep_agreement(conn, agreement_on_file(event), ctx.envelope.occurred_at)
    if isinstance(event, contract.AgreementEnded) and event.reason is contract.EndReason.DEATH and event.end:
        await store_contributions.record_death(conn, event.agreement_id, event.end)  # however late it arrives
        # Every period already charged with days after the death comes down now, not only the job's last three.
        await recharge_from(conn, ctx.outbox, _cause(ctx), event.person_ref, event.end + timedelta(days=1))
    if not kept:
        return  # an older copy than the one kept
    if event.payment_basis is PaymentBasis.ACTUALS:
        await _catch_up_self_bills(conn, ctx, [event.agreement_id])
    held = await store_invoices.held_with(conn, AGREEMENT_HOLDS, agreement_ids=[event.agreement_id])
    await recheck_held(conn, ctx.outbox, _cause(ctx), held,
                       f"agreement {event.agreement_id} changed ({ctx.envelope.event_type})")
    if event.end is not None:  # what was scheduled or paid for days after the end comes back
        await recover(conn, ctx.outbox, _cause(ctx), event.agreement_id)


DirectPaymentTermsEvent = contract.DirectPaymentAgreed | contract.DirectPaymentVaried | contract.DirectPaymentAgreedV1


async def on_direct_payment_terms(conn: asyncpg.Connection, event: DirectPaymentTermsEvent,
                                  ctx: Context[DirectPaymentTermsEvent]) -> None:
    """A direct payment in force from its start: charges already made from the earlier of its old and new
    start are computed again."""
    kept, before = await store_windows.keep_start(conn, event.agreement_id, event.person_ref, event.start,
                                                  ctx.envelope.occurred_at)
    if kept and before != event.start:
        await recharge_from(conn, ctx.outbox, _cause(ctx), event.person_ref, min(event.start, before or event.start))


async def on_direct_payment_ended(conn: asyncpg.Connection, event: contract.DirectPaymentEnded,
                                  ctx: Context[contract.DirectPaymentEnded]) -> None:
    """No direct payment after its end: charges already made from the day after the earlier of its old and
    new end are computed again."""
    kept, before = await store_windows.keep_end(conn, event.agreement_id, event.person_ref, event.end,
                                                ctx.envelope.occurred_at)
    if kept and before != event.end:
        first_changed = min(event.end, before or event.end) + timedelta(days=1)
        await recharge_from(conn, ctx.outbox, _cause(ctx), event.person_ref, first_changed)


async def on_provider_registered(conn: asyncpg.Connection, event: contract.ProviderRegistered,
                                 ctx: Context[contract.ProviderRegistered]) -> None:
    await lock_provider_facts(conn, [event.provider_id])
    await store_facts.keep_provider(conn, event.provider_id, self_billing=event.self_billing.in_place)
    if event.self_billing.in_place:
        await _catch_up_self_bills(conn, ctx,
                                   await store_facts.actuals_agreements_of_provider(conn, event.provider_id))


async def on_bank_details(conn: asyncpg.Connection, event: BankDetailsEvent, ctx: Context[BankDetailsEvent]) -> None:
    verified = bank_details_after(event.EVENT_TYPE, getattr(event, "previous_account_stands", False))
    await lock_provider_facts(conn, [event.provider_id])
    await store_facts.keep_provider(conn, event.provider_id, bank_details_verified=verified)
    if verified:
        held = await store_invoices.held_with(conn, [H.BANK_DETAILS_NOT_VERIFIED.value], provider_id=event.provider_id)
        await recheck_held(conn, ctx.outbox, _cause(ctx), held, "bank details verified")


async def on_commitment_changed(conn: asyncpg.Connection, event: contract.CommitmentChanged,
                                ctx: Context[contract.CommitmentChanged]) -> None:
    """Each agreement line's weekly figure and its rates by business date (a direct payment's line bounds no
    invoice of invoicing's)."""
    committed = {line.agreement_id: commitment_on_file(line) for line in event.lines if line.kind == "agreement"}
    await lock_agreements(conn, committed)
    await store_facts.keep_commitments(conn, event.person_ref, event.as_of, committed)
    if committed:
        held = await store_invoices.held_with(conn, COMMITMENT_HOLDS, agreement_ids=list(committed))
        await recheck_held(conn, ctx.outbox, _cause(ctx), held, "commitment changed")


async def lock_batch(conn: asyncpg.Connection, items: list[Incoming]) -> None:
    """Every provider's facts lock, then every agreement lock, the batch's handlers will take, each sorted:
    the one order every path takes them in (not the batch's order, event by event)."""
    providers: set[str] = set()
    agreement_ids: set[str] = set()
    for item in items:
        event = item.event
        if isinstance(event, contract.AgreementEvent):
            providers.add(event.provider_id)
            agreement_ids.add(event.agreement_id)
        elif isinstance(event, contract.CommitmentChanged):
            for line in event.lines:
                if line.kind == "agreement":
                    agreement_ids.add(line.agreement_id)
                    if line.provider_id:
                        providers.add(line.provider_id)
        elif isinstance(getattr(event, "provider_id", None), str):
            providers.add(event.provider_id)  # type: ignore[union-attr]
    await lock_provider_facts(conn, providers)
    await lock_agreements(conn, agreement_ids)


AGREEMENTS = EventConsumer(
    before_handlers=lock_batch,
    name="invoicing.agreements",
    topic=contract.TOPIC,
    handlers={
        contract.AgreementActivated: on_agreement,
        contract.AgreementVaried: on_agreement,
        contract.AgreementSuspended: on_agreement,
        contract.AgreementResumed: on_agreement,
        contract.AgreementEnded: on_agreement,
        contract.ProviderRegistered: on_provider_registered,
        contract.ProviderBankDetailsChanged: on_bank_details,
        contract.ProviderBankDetailsVerified: on_bank_details,
        contract.ProviderBankDetailsRejected: on_bank_details,
        contract.ProviderBankDetailsChangedV1: on_bank_details,
        contract.ProviderBankDetailsVerifiedV1: on_bank_details,
        contract.CommitmentChanged: on_commitment_changed,
        contract.DirectPaymentAgreed: on_direct_payment_terms,
        contract.DirectPaymentAgreedV1: on_direct_payment_terms,
        contract.DirectPaymentVaried: on_direct_payment_terms,
        contract.DirectPaymentEnded: on_direct_payment_ended,
    },
    description="Agreements, provider self-billing and bank details, and commitments: the facts invoices are "
                "checked against; direct payments' days, on which no contribution is charged.",
)
