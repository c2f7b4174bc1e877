"""Poison messages go to the consumer service's DLQ with headers, and the partition moves on."""
from __future__ import annotations

import json

import pytest

from tests.conftest import auth, eventually, unique
from tests.integration.foundation.helpers import send_envelope, service_requested

pytestmark = pytest.mark.stack

POISON = {
    "invalid_json": (b"{not json", None),
    "invalid_envelope": (json.dumps({"event_type": "ServiceRequested"}).encode(), None),
    "unknown_event_type": None,  # built below from a valid envelope
    "unknown_schema_version": None,
    "wrong_key": None,
}


def _mutated(key: str, **changes) -> bytes:
    env = json.loads(service_requested(unique("P"), request_id=key).model_dump_json())
    env.update(changes)
    return json.dumps(env).encode()


@pytest.mark.parametrize("reason", list(POISON))
async def test_poison_message_lands_on_the_dlq_and_the_next_message_is_processed(
        reason, http, stack, producer, tail):
    key = f"REQ-POISON-{unique('X')}"
    value = {
        "invalid_json": b"{not json",
        "invalid_envelope": json.dumps({"event_type": "ServiceRequested"}).encode(),
        "unknown_event_type": _mutated(key, event_type="NoSuchEvent"),
        "unknown_schema_version": _mutated(key, schema_version=99),
        "wrong_key": _mutated(f"{key}-OTHER"),
    }[reason]
    follower = service_requested(unique("P"), request_id=key + "-NEXT")
    async with tail("agreements.dlq") as dlq:
        # Both on the same partition, the poison first: it must not block the follower.
        meta = await producer.send_and_wait("requests.events", value=value, key=key.encode(),
                                            headers=[("origin", b"\xff\xfe not utf-8")])
        await producer.send_and_wait("requests.events", value=follower.model_dump_json().encode(),
                                     key=follower.aggregate_id.encode(), partition=meta.partition)
        [letter] = await dlq.wait_for(lambda r: dict(r.headers).get("dlq_original_offset") == str(meta.offset).encode()
                                      and dict(r.headers).get("dlq_original_partition") == str(meta.partition).encode())
    headers = {k: v.decode(errors="replace") for k, v in letter.headers}
    assert headers["dlq_original_topic"] == "requests.events"
    assert headers["dlq_consumer"] == "agreements.requests"
    assert headers["dlq_reason"] == reason
    assert headers["dlq_error"]
    assert letter.value == value and letter.key == key.encode()

    async def follower_recorded():
        resp = await http.get(f"{stack['agreements']}/brokerage/requests/{follower.aggregate_id}",
                              headers=auth("brokerage_officer"))
        return resp.status_code == 200

    await eventually(follower_recorded, what="the message after the poison to be processed")
