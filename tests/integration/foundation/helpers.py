"""Helpers for the walking-skeleton tests: envelopes on requests.events, service restarts."""
from __future__ import annotations

import uuid
from datetime import date

from contracts.envelope import Actor, Event
from contracts.requests import ServiceRequested
from shared.consumer import Incoming
from shared.events import Cause, envelope_for
from shared.outbox import envelope_headers
from shared.stack import Instance, start, stop, wait_ready


def service_requested(person_ref: str, request_id: str | None = None):
    """A ServiceRequested envelope as the requests service would publish it."""
    event = ServiceRequested(request_id=request_id or f"REQ-T{uuid.uuid4().hex[:12].upper()}",
                             person_ref=person_ref, requested_by="social_worker",
                             requested_start=date(2026, 12, 1))
    return envelope_for(event, producer="requests", council_id="demo-council",
                        cause=Cause(str(uuid.uuid4()), None, Actor(id="test", role="social_worker")))


async def send_envelope(producer, envelope) -> None:
    await producer.send_and_wait(
        envelope.payload.TOPIC, value=envelope.model_dump_json().encode(), key=envelope.aggregate_id.encode(),
        headers=[(k, v.encode()) for k, v in envelope_headers(envelope).items()])


def incoming(event: Event, producer: str, cause: Cause) -> Incoming:
    """The event as a consumer hands it to a handler, for tests that call handlers in-process."""
    envelope = envelope_for(event, producer=producer, council_id="demo-council", cause=cause)
    return Incoming(event.TOPIC, 0, 0, envelope.aggregate_id, envelope.model_dump_json().encode(),
                    {"event_type": envelope.event_type, "schema_version": str(envelope.schema_version)},
                    message_id=str(envelope.event_id), envelope=envelope, event=event)


def restart(service: str, *, kill: bool) -> None:
    """SIGKILL (or stop) one service and start it again; waits until it is ready."""
    inst = Instance(service)
    stop(inst, kill=kill)
    start(inst)
    not_ready = wait_ready([inst], timeout=120)
    assert not not_ready, f"{service} did not come back: {not_ready}"
