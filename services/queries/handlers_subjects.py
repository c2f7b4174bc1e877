"""agreements.events and payments.events in: agreements, direct payments and payments a query can be about.

Only the owner facts are kept. An agreement's versions of terms are kept too, so an officer who
records a vary_agreement effect can only name a variation that exists.
"""
from __future__ import annotations

import asyncpg

from contracts import agreements, payments
from contracts.queries import SubjectKind
from services.queries import store_subjects
from shared.consumer import Consumer, Incoming


async def on_agreement(conn: asyncpg.Connection, message: Incoming) -> None:
    """Every agreement event carries the whole agreement, versions of terms included."""
    event: agreements.AgreementEvent = message.event  # type: ignore[assignment]
    await store_subjects.record(conn, SubjectKind.AGREEMENT, event.agreement_id, provider_id=event.provider_id,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)
    for terms in event.terms:
        await store_subjects.record_version(conn, event.agreement_id, terms.version, terms.effective_from)


async def on_direct_payment(conn: asyncpg.Connection, message: Incoming) -> None:
    event: agreements.DirectPaymentEvent = message.event  # type: ignore[assignment]
    await store_subjects.record(conn, SubjectKind.DIRECT_PAYMENT, event.agreement_id, provider_id=None,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)


AGREEMENTS = Consumer(
    name="queries.agreements",
    topic=agreements.TOPIC,
    handlers={
        agreements.AgreementActivated: on_agreement,
        agreements.AgreementVaried: on_agreement,
        agreements.AgreementSuspended: on_agreement,
        agreements.AgreementResumed: on_agreement,
        agreements.AgreementEnded: on_agreement,
        agreements.DirectPaymentAgreed: on_direct_payment,
        agreements.DirectPaymentEnded: on_direct_payment,
    },
    description="Agreements (provider, person, versions of terms) and direct payments (person) a query can be about.",
)


async def on_payment_made(conn: asyncpg.Connection, message: Incoming) -> None:
    """A provider payment is queried by the reference on the provider's statement and remittance."""
    event: payments.PaymentMade = message.event  # type: ignore[assignment]
    await store_subjects.record(conn, SubjectKind.PAYMENT, event.payment_reference, provider_id=event.provider_id)


async def on_direct_payment_made(conn: asyncpg.Connection, message: Incoming) -> None:
    """One direct payment made is a direct_payment subject too, by its payment reference."""
    event: payments.DirectPaymentMade = message.event  # type: ignore[assignment]
    await store_subjects.record(conn, SubjectKind.DIRECT_PAYMENT, event.payment_reference, provider_id=None,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)


PAYMENTS = Consumer(
    name="queries.payments",
    topic=payments.TOPIC,
    handlers={payments.PaymentMade: on_payment_made, payments.DirectPaymentMade: on_direct_payment_made},
    description="Provider payments (by payment reference, with the provider) and direct payments made (by payment "
                "reference, with the person) a query can be about.",
)
