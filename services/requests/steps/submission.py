"""Submitting a request for service: the request (and its personal details, kept here only), the
ServiceRequested event and the first history row, in the caller's transaction."""
from __future__ import annotations

import asyncpg

from shared.events import Cause
from shared.outbox import Outbox
from services.requests.domain.request import ServiceRequest
from services.requests.store import history, requests
from services.requests.store.requests import PersonalDetails


async def submit_request(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, submitted: ServiceRequest,
                         details: PersonalDetails | None, actor_id: str, actor_role: str) -> None:
    """Store `submitted` and announce it; the actor is who submitted it (created_by)."""
    step = submitted.submission()
    await requests.insert_request(conn, submitted, actor_id, details)
    [envelope] = await outbox.publish(conn, [step.event], cause)
    await history.record_step(conn, step, envelope.event_id, actor_id, actor_role, None)
