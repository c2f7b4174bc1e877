"""What the requests service consumes of agreements.events: an agreement or direct payment in place
activates a request."""
from __future__ import annotations

import asyncpg

from contracts import agreements
from shared.consumer import Context, EventConsumer
from services.requests.steps.activation import activate_request


async def on_arrangement_in_place(conn: asyncpg.Connection,
                                  event: agreements.AgreementActivated | agreements.DirectPaymentAgreed
                                  | agreements.DirectPaymentAgreedV1,
                                  ctx: Context) -> None:
    """An agreement or direct payment naming one of our approved requests activates it (see
    `steps.activation`); anything else is left alone and logged."""
    await activate_request(conn, event, ctx.envelope, ctx.outbox)


ARRANGEMENTS = EventConsumer(
    name="requests.arrangements",
    topic=agreements.TOPIC,
    handlers={agreements.AgreementActivated: on_arrangement_in_place,
              agreements.DirectPaymentAgreed: on_arrangement_in_place,
              agreements.DirectPaymentAgreedV1: on_arrangement_in_place},  # records from before the account moved
    description="Agreements and direct payments put in place for a request, to activate it.",
)
