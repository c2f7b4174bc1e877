"""Poison on every enveloped topic lands on the DLQ of every service that consumes the topic, with
headers saying where it came from and why, and the next message on the same partition is processed.

Every poison message, and the valid message after it, carries a header that is not UTF-8: a header
is no part of the contract, so it must neither stop a partition nor get a valid event dead-lettered.
"""
from __future__ import annotations

import json

import pytest

from tests.conftest import eventually, unique
from tests.integration.hostile.poison import (ENVELOPED_TOPICS, HOSTILE_HEADER, POISON_KINDS, DeadLetters,
                                              committed_past, consumers_of, envelope_json, follower_event, headers_of,
                                              letter_of, poison)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def consumers(stack) -> dict[str, list[tuple[str, str]]]:
    found = {topic: consumers_of(topic) for topic in ENVELOPED_TOPICS}
    assert all(found.values()), f"a consumed topic has no consumer in any AsyncAPI document: {found}"
    return found


@pytest.mark.parametrize("kind", POISON_KINDS)
@pytest.mark.parametrize("topic", ENVELOPED_TOPICS)
async def test_poison_is_dead_lettered_by_every_consumer_and_the_partition_moves_on(
        topic, kind, consumers, producer, kafka_bootstrap):
    key = unique(f"POISON-{kind}")
    bad = poison(kind, topic, key)
    follower = envelope_json(follower_event(topic, unique("NEXT")))
    follower_headers = [("event_id", follower["event_id"].encode()), ("event_type", follower["event_type"].encode()),
                        HOSTILE_HEADER]
    readers = consumers[topic]
    async with DeadLetters(kafka_bootstrap, {service for service, _ in readers}) as dlq:
        sent = await producer.send_and_wait(topic, value=bad.value, key=key.encode(), headers=[HOSTILE_HEADER])
        after = await producer.send_and_wait(topic, value=json.dumps(follower).encode(),
                                             key=follower["aggregate_id"].encode(), partition=sent.partition,
                                             headers=follower_headers)
        letters = await dlq.letters_for(topic, sent.partition, sent.offset, readers)
        for service, consumer in readers:
            headers = headers_of(letters[consumer])
            assert letters[consumer].topic == f"{service}.dlq"
            assert headers["dlq_reason"] == bad.reason, f"{consumer}: {headers.get('dlq_error')}"
            assert headers["dlq_error"] and headers["dlq_failed_at"]
            assert letters[consumer].value == bad.value or (bad.value is None and not letters[consumer].value)
            assert letters[consumer].key == key.encode()

        # Committed past the follower and not dead-lettered: applied. (An inbox row would not show it:
        # a consumer may skip an event it does not act on without a transaction.)
        for service, consumer in readers:
            await eventually(lambda: committed_past(kafka_bootstrap, consumer, topic, after.partition, after.offset),
                             timeout=30, what=f"{consumer} to get past the message after the poison on "
                                              f"{topic}/{sent.partition}")
        assert not letter_of(await dlq.poll(), topic, after.partition, after.offset), \
            "the valid follower was dead-lettered"
