"""payments.events in: provider payments and direct payments made, that a query can be about.

Only the owner facts are kept: a payment is known by the reference on the provider's statement and
remittance, a direct payment made by its payment reference.
"""
from __future__ import annotations

import asyncpg

from contracts import payments
from contracts.queries import SubjectKind
from services.queries import store
from shared.consumer import Context, EventConsumer


async def on_payment_made(conn: asyncpg.Connection, event: payments.PaymentMade, ctx: Context) -> None:
    """A provider payment is queried by the reference on the provider's statement and remittance."""
    await store.subjects.record(conn, SubjectKind.PAYMENT, event.payment_reference, provider_id=event.provider_id)


async def on_direct_payment_made(conn: asyncpg.Connection, event: payments.DirectPaymentMade, ctx: Context) -> None:
    """One direct payment made is a direct_payment subject too, by its payment reference."""
    await store.subjects.record(conn, SubjectKind.DIRECT_PAYMENT, event.payment_reference, provider_id=None,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)


PAYMENTS = EventConsumer(
    name="queries.payments",
    topic=payments.TOPIC,
    handlers={payments.PaymentMade: on_payment_made, payments.DirectPaymentMade: on_direct_payment_made},
    description="Provider payments (by payment reference, with the provider) and direct payments made (by payment "
                "reference, with the person) a query can be about.",
)
