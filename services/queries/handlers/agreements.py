"""agreements.events in: agreements and direct payments a query can be about.

Only the owner facts are kept. An agreement's versions of terms are kept too, so an officer who
records a vary_agreement effect can only name a variation that exists.
"""
from __future__ import annotations

import asyncpg

from contracts import agreements
from contracts.queries import SubjectKind
from services.queries import store
from shared.consumer import Context, EventConsumer


async def on_agreement(conn: asyncpg.Connection, event: agreements.AgreementEvent, ctx: Context) -> None:
    """Every agreement event carries the whole agreement, versions of terms included."""
    await store.subjects.record(conn, SubjectKind.AGREEMENT, event.agreement_id, provider_id=event.provider_id,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)
    for terms in event.terms:
        await store.subjects.record_version(conn, event.agreement_id, terms.version, terms.effective_from)


async def on_direct_payment(conn: asyncpg.Connection, event: agreements.DirectPaymentEvent, ctx: Context) -> None:
    await store.subjects.record(conn, SubjectKind.DIRECT_PAYMENT, event.agreement_id, provider_id=None,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)


AGREEMENTS = EventConsumer(
    name="queries.agreements",
    topic=agreements.TOPIC,
    handlers={
        agreements.AgreementActivated: on_agreement,
        agreements.AgreementVaried: on_agreement,
        agreements.AgreementSuspended: on_agreement,
        agreements.AgreementResumed: on_agreement,
        agreements.AgreementEnded: on_agreement,
        agreements.DirectPaymentAgreed: on_direct_payment,
        agreements.DirectPaymentAgreedV1: on_direct_payment,  # records from before the account left the event
        agreements.DirectPaymentEnded: on_direct_payment,
    },
    description="Agreements (provider, person, versions of terms) and direct payments (person) a query can be about.",
)
