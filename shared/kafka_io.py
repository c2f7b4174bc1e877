"""Kafka plumbing shared by services and tools: producer settings, topic creation, and how a
consumer's batch of records reaches it from FastStream (undecoded, hostile headers made safe)."""
from __future__ import annotations

import dataclasses
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from contracts.topics import TOPICS
from shared.kafka_security import KafkaSettings, client_options

# A partition's batch, up to this size, goes in one request: at the default 16 KB a relay of ~1 KB events
# waited for a round trip every 15 events (~800 events/s on the delivery stream).
MAX_BATCH_BYTES = 512 * 1024


class TopicsNotCreated(RuntimeError):
    """The cluster refused to create a registry topic (the message names each topic and why)."""


def idempotent_producer(kafka: KafkaSettings, client_id: str) -> AIOKafkaProducer:
    """A producer that never duplicates or reorders a partition's messages on retry. It refuses a record
    over CAREPAY_KAFKA_MAX_MESSAGE_BYTES itself, and never sends a batch larger than the topics take."""
    return AIOKafkaProducer(
        **client_options(kafka),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=min(MAX_BATCH_BYTES, kafka.max_message_bytes),
        max_request_size=kafka.max_message_bytes,
        request_timeout_ms=30000,
    )


def topic_configs(kafka: KafkaSettings, retention_ms: int) -> dict[str, str]:
    """The configuration a registry topic is created with."""
    return {"retention.ms": str(retention_ms), "max.message.bytes": str(kafka.max_message_bytes),
            "min.insync.replicas": str(kafka.min_insync_replicas)}


async def create_topics(kafka: KafkaSettings) -> list[str]:
    """Create every registry topic that does not exist yet (CAREPAY_KAFKA_REPLICATION_FACTOR copies,
    `topic_configs`); return the names created. Nothing when CAREPAY_KAFKA_CREATE_TOPICS is false (the
    topics are the cluster's own, e.g. Strimzi KafkaTopics). TopicsNotCreated when the cluster refuses one.
    Topics that exist are left as they are."""
    if not kafka.create_topics:
        return []
    admin = AIOKafkaAdminClient(**client_options(kafka), client_id="carepay-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in TOPICS if t.name not in existing]
        if not missing:
            return []
        new = [NewTopic(t.name, num_partitions=t.partitions, replication_factor=kafka.replication_factor,
                        topic_configs=topic_configs(kafka, t.retention_ms))
               for t in missing]
        response = await admin.create_topics(new)
        refused = [(e["topic"], for_code(e["error_code"]), e.get("error_message"))
                   for e in response.to_object()["topic_errors"] if e["error_code"]]
        # Already there: another process created it between list and create.
        refused = [r for r in refused if r[1] is not TopicAlreadyExistsError]
        if refused:
            raise TopicsNotCreated("; ".join(f"{topic}: {error.__name__} {message or ''}".rstrip()
                                             for topic, error, message in refused))
        return [t.name for t in missing]
    finally:
        await admin.close()


async def partitions_of(consumer, topic: str) -> list:
    """TopicPartitions of `topic` for a started consumer with no subscription (fetches metadata)."""
    from aiokafka import TopicPartition

    # A consumer without a subscription only fetches metadata for topics it was told about.
    consumer._client.add_topic(topic)
    await consumer._client.force_metadata_update()
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]


async def no_decode(msg, original):  # noqa: ARG001
    # Consumers decode records themselves (to dead-letter what cannot be decoded).
    return []


async def tolerant_parser(records, original):
    # FastStream decodes every header as UTF-8 before the handler runs; a hostile header would
    # make it skip the batch unseen. Parse a cleaned copy, keep the original records for the DLQ.
    # The handler reads `raw_message` only (the consumer decodes each record itself), and FastStream
    # names the batch by its first and last records: it parses just those two, not a headers dict of
    # every record (~5% of a delivery-stream consumer's CPU). The body stays whole for its size metric.
    records = records if isinstance(records, tuple) else (records,)
    message = await original(tuple(map(cleaned, _ends(records))))
    message.raw_message = records
    if len(records) > 2:
        message.body = [r.value or b"" for r in records]
    return message


def _ends(records: tuple) -> tuple:
    return records if len(records) <= 2 else (records[0], records[-1])


def cleaned(record):
    """The record itself when its headers are all UTF-8 (nearly always: copying every record of the
    delivery stream cost its consumers ~5% of their CPU), else a copy with the headers made so."""
    headers = record.headers
    if headers is not None:
        try:
            for _, value in headers:
                value.decode("utf-8")  # AttributeError for None: cleaned below
            return record
        except (UnicodeDecodeError, AttributeError):
            pass
    return dataclasses.replace(record, headers=tuple((k, _utf8(v)) for k, v in (headers or ())))


def _utf8(value: bytes | None) -> bytes:
    if value is None:
        return b""
    return value.decode("utf-8", errors="replace").encode()
