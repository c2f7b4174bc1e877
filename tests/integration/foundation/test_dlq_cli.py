"""`carepay dlq list` reads a service's dead-letter topic to its end (it used to fail on any topic)."""
from __future__ import annotations

import pytest

from shared.cli.dlq import read_dlq
from shared.kafka_security import kafka_settings
from tests.conftest import unique

pytestmark = pytest.mark.stack


async def test_reading_a_dlq_returns_what_was_dead_lettered(stack, producer, tail):
    key = f"REQ-POISON-{unique('CLI')}"
    async with tail("agreements.dlq") as dlq:
        meta = await producer.send_and_wait("requests.events", value=b"{not json", key=key.encode())
        [letter] = await dlq.wait_for(lambda r: dict(r.headers).get("dlq_original_offset") == str(meta.offset).encode()
                                      and dict(r.headers).get("dlq_original_partition") == str(meta.partition).encode())
    records, consumer = await read_dlq(kafka_settings(), "agreements", limit=1_000_000)
    await consumer.stop()
    assert (letter.partition, letter.offset) in {(r.partition, r.offset) for r in records}
