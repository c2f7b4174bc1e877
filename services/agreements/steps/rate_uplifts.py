"""A rate uplift previewed, or applied in the caller's one transaction.

Locks as the single-agreement changes take them, in one order so two uplifts cannot deadlock: the
provider's uplift lock, then every person with an agreement it may reach (sorted by person_ref), then
the agreements are read. Applying stores the uplift and its lines, and varies each agreement as
`POST /agreements/{id}/variations` does: its new version, an audit line, one `AgreementVaried`
carrying `rate_uplift_id`, and each person's commitment refreshed once. A preview takes the same
locks and reads, and changes nothing.
"""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts import agreements as contract
from contracts.common import ServiceType
from shared.auth import Principal
from shared.events import Cause
from shared.outbox import Outbox
from services.agreements.domain.rate_uplifts import UpliftPlan, new_rate_uplift_id, plan_uplift
from services.agreements.events import agreement_event
from services.agreements.metrics import AGREEMENT_CHANGES
from services.agreements.steps.commitments import refresh_commitment
from services.agreements.store import agreements as store_agreements, audit as store_audit
from services.agreements.store import providers as store_providers, rate_uplifts as store_uplifts


async def _plan(conn: asyncpg.Connection, provider_id: str, service_type: ServiceType, effective_from: date,
                rate_uplift_id: str | None) -> UpliftPlan:
    await store_uplifts.lock_provider(conn, provider_id)
    for person_ref in await store_agreements.people_of_provider(conn, provider_id, service_type.value):
        await store_agreements.lock_person(conn, person_ref)
    cards = await store_providers.rate_cards(conn, provider_id)
    agreements = await store_agreements.of_provider(conn, provider_id, service_type.value)
    return plan_uplift(provider_id, service_type, effective_from, cards, agreements, rate_uplift_id)


async def preview_uplift(conn: asyncpg.Connection, provider_id: str, service_type: ServiceType,
                         effective_from: date) -> UpliftPlan:
    """What applying would do; nothing is stored or published (Conflict: no card in force)."""
    return await _plan(conn, provider_id, service_type, effective_from, None)


async def apply_uplift(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal,
                       provider_id: str, service_type: ServiceType, effective_from: date) -> tuple[str, UpliftPlan]:
    """Vary every agreement the plan varies, record the uplift with its skipped agreements; its id and plan."""
    rate_uplift_id = new_rate_uplift_id()
    plan = await _plan(conn, provider_id, service_type, effective_from, rate_uplift_id)
    await store_uplifts.insert(conn, rate_uplift_id, plan, principal.subject, principal.role)
    for varied in plan.varied:
        agreement = varied.agreement
        await store_agreements.save(conn, agreement, principal.subject)
        await store_audit.record_action(conn, agreement.agreement_id, "varied", principal.subject, principal.role,
                                        agreement.terms[-1].reason)
        await outbox.publish(conn, [agreement_event(contract.AgreementVaried, agreement, version=varied.version,
                                                    effective_from=effective_from,
                                                    rate_uplift_id=rate_uplift_id)], cause)
        AGREEMENT_CHANGES.labels(contract.AgreementVaried.EVENT_TYPE).inc()
    for person_ref in sorted({v.agreement.person_ref for v in plan.varied}):
        await refresh_commitment(conn, outbox, cause, person_ref)
    await store_audit.record_action(conn, rate_uplift_id, "rate_uplift_applied", principal.subject, principal.role,
                                    f"{len(plan.varied)} varied, {len(plan.skipped)} skipped")
    return rate_uplift_id, plan
