"""The walking skeleton through the real Kafka and Postgres: requests -> outbox -> Kafka -> agreements inbox."""
from __future__ import annotations

import asyncio

import pytest

from tests.conftest import auth, envelope_of, eventually, unique
from tests.integration.foundation.helpers import restart, send_envelope, service_requested

pytestmark = pytest.mark.stack


async def received(http, stack, request_id: str):
    resp = await http.get(f"{stack['agreements']}/brokerage/requests/{request_id}", headers=auth("brokerage_officer"))
    return resp.json() if resp.status_code == 200 else None


async def test_a_submitted_request_reaches_agreements_once(http, stack, tail):
    person = unique("P")
    async with tail("requests.events") as events:
        # The person for themselves: a social worker submits only for a person allocated to them.
        resp = await http.post(f"{stack['requests']}/requests", headers=auth("person", person=person),
                               json={"person_ref": person, "requested_by": "person",
                                     "requested_start": "2026-12-01"})
        assert resp.status_code == 201, resp.text
        request_id = resp.json()["request_id"]
        [record] = await events.wait_for(lambda r: r.key == request_id.encode())
    envelope = envelope_of(record)
    assert envelope["event_type"] == "ServiceRequested"
    assert envelope["aggregate_id"] == request_id
    assert envelope["payload"]["person_ref"] == person
    assert dict(record.headers)["event_id"].decode() == envelope["event_id"]
    got = await eventually(lambda: received(http, stack, request_id), what="agreements to record the request")
    assert got["times_recorded"] == 1


async def test_the_same_event_delivered_twice_has_one_effect(http, stack, producer):
    envelope = service_requested(unique("P"))
    await send_envelope(producer, envelope)
    duplicate = await send_envelope(producer, envelope)
    got = await eventually(lambda: received(http, stack, envelope.aggregate_id), what="the request to be recorded")
    # Let the duplicate be consumed, then check it changed nothing. The marker is keyed differently: on the
    # duplicate's partition, behind it, its being recorded proves the duplicate was consumed.
    marker = service_requested(unique("P"), request_id=envelope.aggregate_id + "-AFTER")
    await send_envelope(producer, marker, partition=duplicate.partition)
    await eventually(lambda: received(http, stack, marker.aggregate_id), what="the marker after the duplicate")
    got = await received(http, stack, envelope.aggregate_id)
    assert got["times_recorded"] == 1


async def test_consumer_killed_mid_batch_loses_nothing_and_duplicates_nothing(http, stack, producer, db):
    person = unique("KILL")
    envelopes = [service_requested(person) for _ in range(3000)]
    sends = [await producer.send(e.payload.TOPIC, value=e.model_dump_json().encode(),
                                 key=e.aggregate_id.encode()) for e in envelopes]
    await asyncio.gather(*sends)

    async def recorded() -> int:
        return await db.fetchval("SELECT count(*) FROM agreements.received_requests WHERE person_ref = $1", person)

    await eventually(recorded, interval=0.01, what="the consumer to start on the batch")
    await asyncio.to_thread(restart, "agreements", kill=True)
    await eventually(lambda: _equals(recorded, len(envelopes)), timeout=90, what="every request after the restart")
    assert await db.fetchval(
        "SELECT count(*) FROM agreements.received_requests WHERE person_ref = $1 AND times_recorded <> 1", person) == 0


async def _equals(fn, expected):
    return await fn() == expected


async def test_publisher_killed_between_commit_and_publish_still_gets_the_event_out(http, stack, db, tail):
    """The state a crash leaves behind: the request and its outbox row committed, nothing published."""
    from contracts.envelope import Actor
    from shared.db import create_pool
    from shared.events import Cause
    from shared.outbox import Outbox
    from shared.settings import settings_for
    from services.requests.store import requests as store
    from services.requests.domain.request import RequestedBy, ServiceRequest
    from contracts.requests import ServiceRequested
    from shared.stack import Instance, start, stop, wait_ready
    from datetime import date

    requests_service = Instance("requests")
    stop(requests_service, kill=True)
    try:
        request = ServiceRequest.submit(unique("P"), RequestedBy.SOCIAL_WORKER, date(2026, 12, 1))
        pool = await create_pool(settings_for("requests").database_url, "requests", service="test")
        async with pool.acquire() as conn, conn.transaction():
            await store.insert_request(conn, request, "test")
            await Outbox("requests", "demo-council").publish(conn, [ServiceRequested(
                request_id=request.request_id, person_ref=request.person_ref, requested_by="social_worker",
                requested_start=request.requested_start)], Cause("crash-test", None, Actor(id="t", role="ops")))
        await pool.close()
        assert await db.fetchval("SELECT count(*) FROM requests.outbox WHERE key = $1 AND published_at IS NULL",
                                 request.request_id) == 1
        async with tail("requests.events") as events:
            start(requests_service)
            assert not wait_ready([requests_service])
            records = await events.wait_for(lambda r: r.key == request.request_id.encode())
        assert len(records) == 1
        got = await eventually(lambda: received(http, stack, request.request_id), what="agreements to record it")
        assert got["times_recorded"] == 1
    finally:
        start(requests_service)
        wait_ready([requests_service])


async def test_request_then_sigkill_publishes_exactly_once(http, stack, tail):
    """Whether the relay got it out before the kill or not, one event follows a 201, and one effect.

    The relay is at-least-once (a kill after Kafka's ack but before the commit re-sends the same
    event), so the record may appear twice; its event_id is the same and the inbox dedupes it.
    """
    async with tail("requests.events") as events:
        person = unique("P")  # the person for themselves: a social worker needs an allocation first
        resp = await http.post(f"{stack['requests']}/requests", headers=auth("person", person=person),
                               json={"person_ref": person, "requested_by": "person",
                                     "requested_start": "2026-12-01"})
        assert resp.status_code == 201
        request_id = resp.json()["request_id"]
        await asyncio.to_thread(restart, "requests", kill=True)
        await events.wait_for(lambda r: r.key == request_id.encode())
        await asyncio.sleep(1.5)  # a second, different event, if there were one, would arrive by now
        ids = {envelope_of(r)["event_id"] for r in events.seen if r.key == request_id.encode()}
        assert len(ids) == 1
    got = await eventually(lambda: received(http, stack, request_id), what="agreements to record it")
    assert got["times_recorded"] == 1


async def test_the_same_event_twice_in_one_batch_has_one_effect(http, stack, producer):
    envelope = service_requested(unique("P"))
    value, key = envelope.model_dump_json().encode(), envelope.aggregate_id.encode()
    # Sent back to back without waiting: both copies arrive in the same consumer batch.
    futures = [await producer.send("requests.events", value=value, key=key) for _ in range(3)]
    await asyncio.gather(*futures)
    got = await eventually(lambda: received(http, stack, envelope.aggregate_id), what="the request to be recorded")
    await asyncio.sleep(1)
    got = await received(http, stack, envelope.aggregate_id)
    assert got["times_recorded"] == 1
