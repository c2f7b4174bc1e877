"""Hostile records on `ecm.visits` (raw provider records, not enveloped) are rejected by delivery as
VisitRejected with a reason and their place on the topic, never dead-lettered: a provider's bad
record is the provider's to fix, and officers see it with the rest of its rejects. The next record
on the same partition is still processed.
"""
from __future__ import annotations

import json
import random
import string

import pytest

from tests.conftest import envelope_of, unique
from tests.integration.delivery.delivery_helpers import WEEK, Setup
from tests.integration.hostile.poison import HOSTILE_HEADER, DeadLetters, letter_of

pytestmark = pytest.mark.stack


def _record(provider_ref: str, **over) -> dict:
    record = {"provider_ref": provider_ref, "service_user_ref": unique("SU-NOBODY"), "visit_id": unique("V"),
              "carer_id": "C-1", "planned_start": f"{WEEK}T09:00:00", "planned_end": f"{WEEK}T09:30:00",
              "check_in": f"{WEEK}T09:00:00", "check_out": f"{WEEK}T09:30:00", "check_in_method": "app"}
    return {**record, **over}


def _hostile(kind: str, cqc: str) -> tuple[bytes | None, str, str | None]:
    """(value, the reason delivery must give, the field it must name)."""
    one = json.dumps(_record(cqc)).encode()
    if kind == "invalid_json":
        return b'{"provider_ref": ', "json_invalid", None
    if kind == "deeply_nested_json":
        return b"[" * 100_000 + b"]" * 100_000, "json_invalid", None
    if kind == "two_records_in_one_message":
        return one + b"," + one, "json_invalid", None
    if kind == "not_utf8":
        return b'{"provider_ref": "\xff\xfe"}', "json_invalid", None
    if kind == "empty_value":
        return None, "json_invalid", None
    if kind == "not_an_object":
        return b'["a", "list"]', "not_an_object", None
    if kind == "missing_carer":
        return json.dumps({k: v for k, v in _record(cqc).items() if k != "carer_id"}).encode(), "missing_carer_id", \
            "carer_id"
    if kind == "huge_payload":  # ~900 KB of carer ID that does not compress
        huge = "".join(random.choices(string.ascii_letters + string.digits, k=900 * 1024))
        return json.dumps(_record(cqc, carer_id=huge)).encode(), "invalid_value", "carer_id"
    raise ValueError(kind)


HOSTILE_KINDS = ("invalid_json", "deeply_nested_json", "two_records_in_one_message", "not_utf8", "empty_value",
                 "not_an_object", "missing_carer", "huge_payload")


def _rejected_at(partition: int, offset: int):
    def matches(record) -> bool:
        env = envelope_of(record)
        return env["event_type"] == "VisitRejected" and env["payload"]["location"] == f"ecm.visits/{partition}@{offset}"
    return matches


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
async def test_a_hostile_ecm_record_is_rejected_with_its_reason_and_the_next_record_is_processed(
        kind, provider, producer, tail, kafka_bootstrap):
    value, reason, field = _hostile(kind, provider.cqc)
    follower = json.dumps(_record(provider.cqc)).encode()
    async with tail("delivery.events") as events, DeadLetters(kafka_bootstrap, {"delivery"}) as dlq:
        sent = await producer.send_and_wait("ecm.visits", value=value, key=provider.cqc.encode(),
                                            headers=[HOSTILE_HEADER])
        after = await producer.send_and_wait("ecm.visits", value=follower, key=provider.cqc.encode(),
                                             partition=sent.partition, headers=[HOSTILE_HEADER])
        [rejected] = await events.wait_for(_rejected_at(sent.partition, sent.offset), timeout=30)
        [next_one] = await events.wait_for(_rejected_at(after.partition, after.offset), timeout=30)
        assert not letter_of(await dlq.poll(), "ecm.visits", sent.partition, sent.offset)
    payload = envelope_of(rejected)["payload"]
    assert (payload["reason"], payload["field"], payload["source"]) == (reason, field, "kafka"), payload["message"]
    assert payload["message"] and len(payload["message"]) < 2000
    # The follower went through the whole pipeline: judged against the register, not refused unread.
    assert envelope_of(next_one)["payload"]["reason"] == "unknown_service_user"
    assert envelope_of(next_one)["payload"]["provider_id"] == provider.provider_id


async def test_a_record_is_judged_by_the_provider_it_names_not_by_its_kafka_key(provider, producer, tail):
    """The key only places the record on a partition: keyed as another provider, it is still the
    named provider's record (and a record naming an unregistered provider is refused as unknown)."""
    stranger = unique("1-NOT-REGISTERED")
    async with tail("delivery.events") as events:
        own = await producer.send_and_wait("ecm.visits", value=json.dumps(_record(provider.cqc)).encode(),
                                           key=stranger.encode())
        other = await producer.send_and_wait("ecm.visits", value=json.dumps(_record(stranger)).encode(),
                                             key=provider.cqc.encode())
        [as_named] = await events.wait_for(_rejected_at(own.partition, own.offset), timeout=30)
        [unknown] = await events.wait_for(_rejected_at(other.partition, other.offset), timeout=30)
    assert envelope_of(as_named)["payload"]["provider_id"] == provider.provider_id
    assert envelope_of(as_named)["payload"]["reason"] == "unknown_service_user"
    assert (envelope_of(unknown)["payload"]["provider_id"], envelope_of(unknown)["payload"]["reason"]) == (
        "unknown", "unknown_provider")
