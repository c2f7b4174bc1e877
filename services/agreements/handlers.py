"""Events the agreements service consumes: requests for service, their budgets and approvals."""
from __future__ import annotations

import asyncpg

from contracts import requests as requests_contract
from shared.consumer import Consumer, Incoming
from shared.events import Cause
from shared.logging import get_logger
from services.agreements import store, store_agreements, store_commitments, store_direct_payments, store_providers
from services.agreements.commitment_tracking import refresh_commitment
from services.agreements.domain_brokerage import draft_for_approved_request
from services.agreements.domain_direct_payments import DirectPayment

log = get_logger(__name__)


async def on_service_requested(conn: asyncpg.Connection, message: Incoming) -> None:
    event: requests_contract.ServiceRequested = message.event  # type: ignore[assignment]
    await store.record_received_request(conn, event.request_id, event.person_ref, event.requested_start,
                                        message.envelope.event_id)


async def _record_budget(conn: asyncpg.Connection, message: Incoming, weekly_budget_pence: int,
                         weekly_contribution_pence: int) -> None:
    """The person's budget changed: their commitment may now exceed it (or no longer)."""
    event = message.event
    await store_agreements.lock_person(conn, event.person_ref)
    if await store_commitments.record_budget(conn, event.person_ref, event.request_id, weekly_budget_pence,
                                             weekly_contribution_pence, message.envelope.occurred_at):
        await refresh_commitment(conn, REQUESTS.runtime.outbox, Cause.from_envelope(message.envelope),
                                 event.person_ref)


async def on_budget_agreed(conn: asyncpg.Connection, message: Incoming) -> None:
    event: requests_contract.BudgetAgreed = message.event  # type: ignore[assignment]
    await _record_budget(conn, message, event.weekly_budget_pence, event.weekly_contribution_pence)


async def on_request_approved(conn: asyncpg.Connection, message: Incoming) -> None:
    """Brokerage starts: a draft agreement (council-arranged or ISF) or a draft direct payment.

    A repeated approval of the same request drafts nothing new: the draft is unique per request.
    """
    event: requests_contract.RequestApproved = message.event  # type: ignore[assignment]
    await _record_budget(conn, message, event.weekly_budget_pence, event.weekly_contribution_pence)
    preferred_known = False
    if event.preferred_provider_id:
        provider = await store_providers.get_provider(conn, event.preferred_provider_id)
        preferred_known = provider is not None and event.service_type.value in provider["service_types"]
    draft = draft_for_approved_request(
        request_id=event.request_id, person_ref=event.person_ref, service_type=event.service_type,
        mechanism=event.mechanism, nominee=event.nominee, preferred_provider_id=event.preferred_provider_id,
        requested_start=event.requested_start, weekly_budget_pence=event.weekly_budget_pence,
        weekly_contribution_pence=event.weekly_contribution_pence, preferred_provider_known=preferred_known)
    # Approved again after the person changed mechanism: the draft of the other kind will not go ahead.
    if isinstance(draft, DirectPayment):
        await store_agreements.cancel_drafts_for_request(conn, event.request_id)
        created = await store_direct_payments.insert_draft(conn, draft)
    else:
        await store_direct_payments.cancel_drafts_for_request(conn, event.request_id)
        created = await store_agreements.insert_draft(conn, draft, origin="approved_request")
    if created:
        await store.record_action(conn, draft.agreement_id, "drafted_from_approved_request",
                                  message.envelope.actor.id, message.envelope.actor.role)
    log.info("approved request drafted" if created else "approved request already drafted",
             request_id=event.request_id, agreement_id=draft.agreement_id if created else None,
             mechanism=event.mechanism)


async def on_request_cancelled(conn: asyncpg.Connection, message: Incoming) -> None:
    """A cancelled request's drafts will never go ahead; activated agreements are ended explicitly."""
    event: requests_contract.RequestCancelled = message.event  # type: ignore[assignment]
    await store_agreements.cancel_drafts_for_request(conn, event.request_id)
    await store_direct_payments.cancel_drafts_for_request(conn, event.request_id)


REQUESTS = Consumer(
    name="agreements.requests",
    topic=requests_contract.TOPIC,
    handlers={
        requests_contract.ServiceRequested: on_service_requested,
        requests_contract.BudgetAgreed: on_budget_agreed,
        requests_contract.RequestApproved: on_request_approved,
        requests_contract.RequestCancelled: on_request_cancelled,
    },
    description="Requests for service: budgets for commitments, approvals to draft agreements.",
)

CONSUMERS = [REQUESTS]
