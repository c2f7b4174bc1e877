"""Activating a request when an agreement or direct payment for it is in place."""
from __future__ import annotations

import asyncpg

from contracts import agreements
from contracts.envelope import Envelope
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from shared.redaction import describe
from services.requests.domain.errors import IllegalTransition
from services.requests.metrics import DAY_SECONDS, REQUEST_TO_SERVICE_SECONDS
from services.requests.store import history, requests

log = get_logger(__name__)


async def activate_request(conn: asyncpg.Connection, event: agreements.AgreementActivated | agreements.DirectPaymentAgreed,
                           envelope: Envelope, outbox: Outbox) -> None:
    """AgreementActivated or DirectPaymentAgreed naming one of our approved requests: it is active.

    Anything else is left alone and logged (ids and states only): an event with no request_id, a
    request this service does not hold, a person_ref that does not match, or a request that is
    not approved (already active from an earlier arrangement, mechanism changed since approval,
    cancelled). The first arrangement in place sets the start the measure counts to.
    """
    if event.request_id is None:
        return
    request = await requests.load_for_update(conn, event.request_id)
    if request is None or request.person_ref != event.person_ref:
        log.warning("arrangement names a request this service does not hold for that person",
                    request_id=event.request_id, agreement_id=event.agreement_id, event_type=envelope.event_type)
        return
    try:
        step = request.activate(event.start)
    except IllegalTransition as exc:
        log.info("arrangement does not activate the request", request_id=request.request_id,
                 status=request.status.value, agreement_id=event.agreement_id, why=describe(exc))
        return
    await requests.save_state(conn, step.request)
    [published] = await outbox.publish(conn, [step.event], Cause.from_envelope(envelope))
    await history.record_step(conn, step, published.event_id, envelope.actor.id, envelope.actor.role,
                              f"{envelope.event_type} {event.agreement_id} from {event.start.isoformat()}")
    # Observed inside the batch's transaction: a batch retried after a failure may count twice,
    # which a histogram of waits tolerates; the inbox stops redeliveries after commit.
    REQUEST_TO_SERVICE_SECONDS.labels(step.request.choice.mechanism.value).observe(
        step.request.days_to_start * DAY_SECONDS)
