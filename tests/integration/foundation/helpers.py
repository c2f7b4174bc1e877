"""Helpers for the stack tests: envelopes on requests.events, events handed to handlers in-process, two
transactions side by side, service restarts."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import date

from contracts.envelope import Actor, Event
from contracts.requests import ServiceRequested
from shared.records import Incoming
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


async def send_envelope(producer, envelope, *, partition: int | None = None):
    """Publish the envelope keyed by its aggregate; returns where it landed (partition, offset).

    `partition` puts it behind an earlier record of another key: a marker whose effect, once seen, proves
    the consumer has applied everything before it on that partition (records of different keys on
    different partitions are in no order)."""
    return await producer.send_and_wait(
        envelope.payload.TOPIC, value=envelope.model_dump_json().encode(), key=envelope.aggregate_id.encode(),
        headers=[(k, v.encode()) for k, v in envelope_headers(envelope).items()], partition=partition)


def incoming(event: Event, producer: str, cause: Cause) -> Incoming:
    """The event as a consumer hands it to a handler, for tests that call handlers in-process."""
    envelope = envelope_for(event, producer=producer, council_id="demo-council", cause=cause)
    return Incoming(event.TOPIC, 0, 0, envelope.aggregate_id, envelope.model_dump_json().encode(),
                    {"event_type": envelope.event_type, "schema_version": str(envelope.schema_version)},
                    message_id=str(envelope.event_id), envelope=envelope, event=event)


async def side_by_side(pool, first: Callable[[object], Awaitable], second: Callable[[object], Awaitable],
                       *, pause: float = 1.0) -> tuple:
    """`first` done in one transaction but not committed while `second` runs in another (reading what it
    needs meanwhile, or waiting for a lock); then both commit. Returns what each returned."""
    async with pool.acquire() as conn_first:
        tx = conn_first.transaction()
        await tx.start()
        try:
            done_first = await first(conn_first)

            async def other():
                async with pool.acquire() as conn_second, conn_second.transaction():
                    return await second(conn_second)

            later = asyncio.create_task(other())
            await asyncio.sleep(pause)
        except BaseException:
            await tx.rollback()
            raise
        await tx.commit()
        return done_first, await asyncio.wait_for(later, timeout=30)


def restart(service: str, *, kill: bool) -> None:
    """SIGKILL (or stop) one service and start it again; waits until it is ready."""
    inst = Instance(service)
    stop(inst, kill=kill)
    start(inst)
    not_ready = wait_ready([inst], timeout=120)
    assert not not_ready, f"{service} did not come back: {not_ready}"
