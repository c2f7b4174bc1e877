"""Reassessing an active request's budget, in the caller's transaction: the new budget on the request, the
reassessment kept, `BudgetReassessed` in the outbox and a history row, together."""
from __future__ import annotations

from collections.abc import Callable

import asyncpg

from contracts.requests import BudgetReassessed
from shared.auth import Principal
from shared.events import Cause
from shared.outbox import Outbox
from services.requests.domain.access import COUNCIL_WIDE
from services.requests.domain.allocation import NotPermitted
from services.requests.domain.reassessment import Reassessment
from services.requests.steps.allocation import reaches
from services.requests.store import history, reassessments, requests


async def reassess(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, principal: Principal, request_id: str,
                   reassessment: Callable[[], Reassessment], reason: str | None) -> asyncpg.Record | None:
    """The stored reassessment; None, with nothing changed, for a request that does not exist. A social worker
    reaches only an allocated person's request (NotPermitted: 403); a team manager any (COUNCIL_WIDE). The
    reassessment is made (`reassessment()`) once the request is found and reached, so an unknown request is
    None whatever the figures; the domain's InvalidInput (a bad figure, a request that is not active, a date
    before its start) propagates."""
    current = await requests.load_for_update(conn, request_id)
    if current is None:
        return None
    if principal.role not in COUNCIL_WIDE and not await reaches(conn, principal, current.person_ref):
        raise NotPermitted(f"request {request_id} is for a person not allocated to you")
    step = current.reassess(reassessment())
    assert isinstance(step.event, BudgetReassessed)
    await requests.save_state(conn, step.request)
    [envelope] = await outbox.publish(conn, [step.event], cause)
    await history.record_step(conn, step, envelope.event_id, principal.subject, principal.role, reason)
    return await reassessments.insert(conn, step.event, envelope.event_id, principal.subject, principal.role, reason)
