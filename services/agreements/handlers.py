"""Events the agreements service consumes."""
from __future__ import annotations

import asyncpg

from contracts import requests as requests_contract
from shared.consumer import Consumer, Incoming
from services.agreements import store


async def on_service_requested(conn: asyncpg.Connection, message: Incoming) -> None:
    event: requests_contract.ServiceRequested = message.event  # type: ignore[assignment]
    await store.record_received_request(conn, event.request_id, event.person_ref, event.requested_start,
                                        message.envelope.event_id)


CONSUMERS = [
    Consumer(
        name="agreements.requests",
        topic=requests_contract.TOPIC,
        handlers={requests_contract.ServiceRequested: on_service_requested},
        description="Requests for service, to start brokerage.",
    ),
]
