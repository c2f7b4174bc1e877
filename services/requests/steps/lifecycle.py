"""A step a person or officer takes on a request through the API (assess, agree the budget, choose
the mechanism, approve, cancel, close), in the caller's transaction."""
from __future__ import annotations

from collections.abc import Callable

import asyncpg

from shared.auth import Principal
from shared.events import Cause
from shared.outbox import Outbox
from services.requests.domain.allocation import NotPermitted
from services.requests.domain.request import ServiceRequest, Transition
from services.requests.steps.allocation import reaches
from services.requests.store import history, requests


async def take_step(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal,
                    request_id: str, reason: str | None,
                    step: Callable[[ServiceRequest], Transition]) -> Transition | None:
    """Lock the request, apply `step` (its domain errors propagate), save the new state, record the
    event and a history row naming the principal and `reason`.

    None, with nothing changed, for a request that does not exist or is another person's (the caller
    answers both the same way, 404); NotPermitted for a social worker or brokerage officer the
    request's person is not allocated to (403)."""
    current = await requests.load_for_update(conn, request_id)
    if current is None or (principal.role == "person" and principal.person_ref != current.person_ref):
        return None
    if not await reaches(conn, principal, current.person_ref):
        raise NotPermitted(f"request {request_id} is for a person not allocated to you")
    transition = step(current)
    await requests.save_state(conn, transition.request)
    [envelope] = await outbox.publish(conn, [transition.event], cause)
    await history.record_step(conn, transition, envelope.event_id, principal.subject, principal.role, reason)
    return transition
