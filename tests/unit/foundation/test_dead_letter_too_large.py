"""A record at the topics' size limit has no room for the DLQ headers: its letter goes without the value (which
stays on its own topic), instead of being retried for ever while its partition waits; `carepay dlq replay`
reads such a value back from where the headers say it is."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from aiokafka.errors import MessageSizeTooLargeError

from shared.cli import dlq
from shared.dead_letters import DeadLetter
from shared.kafka_security import KafkaSettings
from shared.records import Incoming
from shared.service import ServiceRuntime
from shared.settings import settings_for

LIMIT = 1000


class Producer:
    """Refuses, as aiokafka does before sending, a record over LIMIT bytes."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, bytes]]] = []
        self.refused = 0

    async def send_and_wait(self, topic, *, value, key, headers):
        if len(value) + sum(len(k) + len(v) for k, v in headers) > LIMIT:
            self.refused += 1
            raise MessageSizeTooLargeError("The message is too large")
        self.sent.append((topic, value, dict(headers)))


def _letter(value: bytes) -> DeadLetter:
    message = Incoming(topic="ecm.visits", partition=4, offset=77, key="PRV-1", value=value,
                       headers={"content-type": "application/json"}, message_id="ecm.visits:4:77")
    return DeadLetter(message, reason="invalid_value", error="carer_id: too long")


async def test_a_letter_too_large_for_the_dlq_goes_without_its_value():
    runtime = ServiceRuntime(settings_for("delivery"), Path("services/delivery"), [], {},
                             kafka=KafkaSettings.load())
    runtime.producer = producer = Producer()
    await runtime.dead_letter("delivery.ecm", [_letter(b"x" * 900), _letter(b"small")])
    assert producer.refused == 1
    [(topic, omitted, headers), (_, kept, kept_headers)] = producer.sent
    assert (topic, omitted, headers["dlq_value_omitted_bytes"]) == ("delivery.dlq", b"", b"900")
    assert (headers["dlq_original_topic"], headers["dlq_original_partition"], headers["dlq_original_offset"]) == \
        (b"ecm.visits", b"4", b"77")
    assert kept == b"small" and "dlq_value_omitted_bytes" not in kept_headers


class Reader:
    """The consumer `dlq replay` reads an omitted value back with: the topic holds `log` (offset -> value)."""

    log: dict[int, bytes] = {}

    def __init__(self, **options) -> None:
        assert options["auto_offset_reset"] == "earliest"

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def assign(self, partitions) -> None:
        [self.partition] = partitions

    def seek(self, partition, offset: int) -> None:
        self.offset = offset

    async def getone(self, partition):
        offset = min(o for o in self.log if o >= self.offset)  # past the retention: the earliest kept
        return SimpleNamespace(offset=offset, value=self.log[offset])


async def test_replay_reads_an_omitted_value_back_from_its_topic(monkeypatch):
    monkeypatch.setattr(dlq, "AIOKafkaConsumer", Reader)
    kafka = KafkaSettings.load()
    letter = SimpleNamespace(topic="delivery.dlq", offset=3, value=b"")
    headers = {"dlq_value_omitted_bytes": "900", "dlq_original_topic": "ecm.visits", "dlq_original_partition": "4",
               "dlq_original_offset": "77"}
    Reader.log = {77: b"the original", 78: b"a later record"}
    assert await dlq._value(kafka, letter, headers) == b"the original"
    Reader.log = {90: b"a later record"}  # 77 is past the topic's retention
    assert await dlq._value(kafka, letter, headers) is None
    kept = SimpleNamespace(topic="delivery.dlq", offset=4, value=b"kept")
    assert await dlq._value(kafka, kept, {"dlq_original_topic": "ecm.visits"}) == b"kept"
