"""requests.events in: requests for service, their budgets (agreed and reassessed) and approvals."""
from __future__ import annotations

import asyncpg

from contracts import requests as requests_contract
from shared.consumer import Context, EventConsumer
from shared.logging import get_logger
from services.agreements.config import agreements_config
from services.agreements.domain.brokerage import draft_for_approved_request
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.events import without_reason
from services.agreements.steps.commitments import refresh_commitment
from services.agreements.store import agreements as store_agreements, audit as store_audit
from services.agreements.store import commitments as store_commitments, direct_payments as store_direct_payments
from services.agreements.store import providers as store_providers
from services.agreements.store import received_requests as store_received_requests

log = get_logger(__name__)


async def on_service_requested(conn: asyncpg.Connection, event: requests_contract.ServiceRequested,
                               ctx: Context) -> None:
    await store_received_requests.record_received_request(conn, event.request_id, event.person_ref,
                                                          event.requested_start, ctx.envelope.event_id,
                                                          event.locality)


async def _record_budget(conn: asyncpg.Connection, event: requests_contract.BudgetAgreed
                         | requests_contract.RequestApproved, ctx: Context, weekly_budget_pence: int,
                         weekly_contribution_pence: int) -> None:
    """The person's budget changed: their commitment may now exceed it (or no longer)."""
    await store_agreements.lock_person(conn, event.person_ref)
    if await store_commitments.record_budget(conn, event.person_ref, event.request_id, weekly_budget_pence,
                                             weekly_contribution_pence, ctx.envelope.occurred_at):
        await refresh_commitment(conn, ctx.outbox, without_reason(ctx.cause), event.person_ref)


async def on_budget_agreed(conn: asyncpg.Connection, event: requests_contract.BudgetAgreed, ctx: Context) -> None:
    await _record_budget(conn, event, ctx, event.weekly_budget_pence, event.weekly_contribution_pence)


async def on_budget_reassessed(conn: asyncpg.Connection, event: requests_contract.BudgetReassessed,
                               ctx: Context) -> None:
    """A reassessed budget is in force from its date (the commitment reads the budget in force), and is kept so
    a direct payment's variation can take its figures from it. A replay changes nothing."""
    await store_agreements.lock_person(conn, event.person_ref)
    if await store_commitments.record_reassessment(conn, event, ctx.envelope.occurred_at):
        await refresh_commitment(conn, ctx.outbox, without_reason(ctx.cause), event.person_ref)
        log.info("budget reassessed", reassessment_id=event.reassessment_id, request_id=event.request_id,
                 effective_from=event.effective_from.isoformat())


async def on_request_approved(conn: asyncpg.Connection, event: requests_contract.RequestApproved,
                              ctx: Context) -> None:
    """Brokerage starts: a draft agreement (council-arranged or ISF) or a draft direct payment.

    A repeated approval of the same request drafts nothing new: the draft is unique per request. A draft
    agreement is charged to the cost centre the council's rule gives the request's locality and service.
    """
    await _record_budget(conn, event, ctx, event.weekly_budget_pence, event.weekly_contribution_pence)
    preferred_known = False
    if event.preferred_provider_id:
        provider = await store_providers.get_provider(conn, event.preferred_provider_id)
        preferred_known = provider is not None and event.service_type.value in provider["service_types"]
    draft = draft_for_approved_request(
        request_id=event.request_id, person_ref=event.person_ref, service_type=event.service_type,
        mechanism=event.mechanism, nominee=event.nominee, preferred_provider_id=event.preferred_provider_id,
        requested_start=event.requested_start, weekly_budget_pence=event.weekly_budget_pence,
        weekly_contribution_pence=event.weekly_contribution_pence, preferred_provider_known=preferred_known,
        cost_centre=agreements_config().cost_centres.cost_centre_for(event.locality, event.service_type))
    # Approved again after the person changed mechanism: the draft of the other kind will not go ahead.
    if isinstance(draft, DirectPayment):
        await store_agreements.cancel_drafts_for_request(conn, event.request_id)
        created = await store_direct_payments.insert_draft(conn, draft)
    else:
        await store_direct_payments.cancel_drafts_for_request(conn, event.request_id)
        created = await store_agreements.insert_draft(conn, draft, origin="approved_request")
    if created:
        await store_audit.record_action(conn, draft.agreement_id, "drafted_from_approved_request",
                                        ctx.envelope.actor.id, ctx.envelope.actor.role)
    log.info("approved request drafted" if created else "approved request already drafted",
             request_id=event.request_id, agreement_id=draft.agreement_id if created else None,
             mechanism=event.mechanism)


async def on_request_cancelled(conn: asyncpg.Connection, event: requests_contract.RequestCancelled,
                               ctx: Context) -> None:
    """A cancelled request's drafts will never go ahead; activated agreements are ended explicitly."""
    await store_agreements.cancel_drafts_for_request(conn, event.request_id)
    await store_direct_payments.cancel_drafts_for_request(conn, event.request_id)


REQUESTS = EventConsumer(
    name="agreements.requests",
    topic=requests_contract.TOPIC,
    handlers={
        requests_contract.ServiceRequested: on_service_requested,
        requests_contract.BudgetAgreed: on_budget_agreed,
        requests_contract.BudgetReassessed: on_budget_reassessed,
        requests_contract.RequestApproved: on_request_approved,
        requests_contract.RequestCancelled: on_request_cancelled,
    },
    description="Requests for service: budgets for commitments, approvals to draft agreements.",
)
