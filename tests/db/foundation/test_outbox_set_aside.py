"""An outbox row Kafka refuses is set aside in the table: kept with why, never sent again, not counted as
waiting, and listed by `carepay outbox set-aside`. Against Postgres alone (a fresh copy of a service's schema's
outbox, from shared/sql), with a producer that refuses the record as the broker does."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from aiokafka.errors import MessageSizeTooLargeError

from shared.cli.outbox import set_aside_rows
from shared.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE
from shared.outbox import OutboxRelay
from shared.testing import DatabaseOnly

pytestmark = pytest.mark.db


class Batch:
    def __init__(self) -> None:
        self.values: list[bytes] = []

    def append(self, *, key, value, timestamp, headers):
        self.values.append(value)
        return object()


class Producer:
    """Refuses a batch holding a record over `limit` bytes (MESSAGE_SIZE_TOO_LARGE); records what it took."""

    def __init__(self, limit: int) -> None:
        self.limit, self.taken = limit, []

    async def partitions_for(self, topic):
        return {0, 1, 2}

    def create_batch(self):
        return Batch()

    async def send_batch(self, batch, topic, *, partition):
        future = asyncio.get_running_loop().create_future()
        if any(len(v) > self.limit for v in batch.values):
            future.set_exception(MessageSizeTooLargeError())
        else:
            self.taken.extend(batch.values)
            future.set_result(None)
        return future


async def test_a_refused_row_stays_set_aside_is_not_sent_again_and_the_cli_lists_it():
    async with DatabaseOnly("requests") as db:
        huge = b'{"note": "' + b"x" * 3000 + b'"}'
        async with db.pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                "INSERT INTO outbox (event_id, topic, key, event_type, value, headers) VALUES ($1, $2, $3, $4, $5, $6)",
                [(uuid.uuid4(), "requests.events", "REQ-1", "RequestSubmitted", b'{"n": 1}', {"event_id": "a"}),
                 (uuid.uuid4(), "requests.events", "REQ-1", "RequestAmended", huge, {"event_id": "b"}),
                 (uuid.uuid4(), "requests.events", "REQ-1", "RequestWithdrawn", b'{"n": 3}', {"event_id": "c"}),
                 (uuid.uuid4(), "requests.events", "REQ-2", "RequestSubmitted", b'{"n": 4}', {"event_id": "d"})])
        producer = Producer(limit=1000)
        relay = OutboxRelay(db.pool, producer, service="requests", schema=db.schema)

        assert await relay.publish_batch() == 4
        assert sorted(producer.taken) == [b'{"n": 1}', b'{"n": 3}', b'{"n": 4}']  # REQ-1's later event too
        assert [v for v in producer.taken if v != b'{"n": 4}'] == [b'{"n": 1}', b'{"n": 3}']  # REQ-1's in order

        async with db.pool.acquire() as conn:
            rows = await conn.fetch("SELECT event_type, published_at IS NOT NULL AS published, set_aside_at IS NOT NULL"
                                    " AS set_aside, set_aside_error, value FROM outbox ORDER BY id")
            assert [(r["event_type"], r["published"], r["set_aside"]) for r in rows] == [
                ("RequestSubmitted", True, False), ("RequestAmended", False, True),
                ("RequestWithdrawn", True, False), ("RequestSubmitted", True, False)]
            assert rows[1]["set_aside_error"].startswith("MessageSizeTooLargeError")
            assert rows[1]["value"] == huge  # kept whole

            # Not sent again, and not counted as waiting (else the outbox would look stuck for ever).
            assert await relay.publish_batch() == 0
            assert len(producer.taken) == 3
            await relay._observe_backlog()
            assert OUTBOX_BACKLOG.labels("requests")._value.get() == 0
            assert OUTBOX_OLDEST_AGE.labels("requests")._value.get() == 0

            listed = await set_aside_rows(conn, db.schema)
        assert [(r["topic"], r["key"], r["event_type"], r["bytes"]) for r in listed] == [
            ("requests.events", "REQ-1", "RequestAmended", len(huge))]
        assert listed[0]["error"].startswith("MessageSizeTooLargeError")
        assert "xxxx" not in json.dumps(listed)  # what the CLI prints holds no content
