"""`carepay dlq list|replay SERVICE`: see and re-drive dead-lettered messages."""
from __future__ import annotations

import asyncio
import json

import typer
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import SERVICES, dlq_topic
from shared.kafka_io import idempotent_producer, partitions_of
from shared.kafka_security import KafkaSettings, client_options, kafka_settings

app = typer.Typer(help="Dead-letter topics: list and replay.", no_args_is_help=True)


def _check(service: str) -> KafkaSettings:
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    return kafka_settings()


async def read_dlq(kafka: KafkaSettings, service: str, group_id: str | None = None, limit: int = 1000):
    """Records on `<service>.dlq` (from the group's position when `group_id`, else from the start)."""
    topic = dlq_topic(service)
    consumer = AIOKafkaConsumer(**client_options(kafka), group_id=group_id, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topic)
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        if group_id is None:
            await consumer.seek_to_beginning(*partitions)
        records = []
        while len(records) < limit and await _behind(consumer, partitions, ends):
            batch = await consumer.getmany(timeout_ms=1000, max_records=limit - len(records))
            for recs in batch.values():
                records.extend(recs)
        return records, consumer
    except BaseException:
        await consumer.stop()
        raise


async def _behind(consumer: AIOKafkaConsumer, partitions, ends) -> bool:
    """True while some partition has records left to read (positions are awaited one by one: an
    `await` inside a generator passed to any() makes an async generator, which any() cannot read)."""
    for tp in partitions:
        if await consumer.position(tp) < ends[tp]:
            return True
    return False


def _headers(record) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}


async def _value(kafka: KafkaSettings, letter, headers: dict[str, str]) -> bytes | None:
    """The letter's value, or, for one sent without it (`dlq_value_omitted_bytes`: it was too large with the
    DLQ headers), the original record's, read again at the topic, partition and offset the headers name
    (None when it is no longer there: past the topic's retention)."""
    if "dlq_value_omitted_bytes" not in headers:
        return letter.value
    origin = TopicPartition(headers["dlq_original_topic"], int(headers["dlq_original_partition"]))
    reader = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False, auto_offset_reset="earliest")
    await reader.start()
    try:
        reader.assign([origin])
        reader.seek(origin, int(headers["dlq_original_offset"]))
        record = await asyncio.wait_for(reader.getone(origin), timeout=30)
    finally:
        await reader.stop()
    return record.value if record.offset == int(headers["dlq_original_offset"]) else None


@app.command("list")
def list_(service: str, limit: int = 100) -> None:
    """Print each dead-lettered message: where it came from, why, and the start of its value."""
    kafka = _check(service)

    async def go() -> None:
        records, consumer = await read_dlq(kafka, service, limit=limit)
        await consumer.stop()
        for r in records:
            h = _headers(r)
            typer.echo(json.dumps({
                "dlq_offset": r.offset, "origin": f"{h.get('dlq_original_topic')}/{h.get('dlq_original_partition')}"
                f"@{h.get('dlq_original_offset')}", "consumer": h.get("dlq_consumer"), "reason": h.get("dlq_reason"),
                "error": h.get("dlq_error"), "value": (r.value or b"")[:200].decode(errors="replace")}))
        typer.echo(f"{len(records)} message(s) on {dlq_topic(service)}", err=True)

    asyncio.run(go())


@app.command()
def replay(service: str) -> None:
    """Publish every not-yet-replayed dead letter back to its original topic (once each). The letters came
    from other services' topics: where Kafka has ACLs, run it with credentials that may write to them."""
    kafka = _check(service)

    async def go() -> None:
        records, consumer = await read_dlq(kafka, service, group_id=f"{service}.dlq-replay")
        producer = idempotent_producer(kafka, f"{service}-dlq-replay")
        await producer.start()
        try:
            for r in records:
                h = _headers(r)
                value = await _value(kafka, r, h)
                if value is None:
                    typer.echo(f"not replayed: {r.topic}@{r.offset}, whose value is no longer on "
                               f"{h['dlq_original_topic']}/{h['dlq_original_partition']}", err=True)
                    continue
                original = {k: v.encode() for k, v in h.items() if not k.startswith("dlq_")}
                await producer.send_and_wait(h["dlq_original_topic"], value=value, key=r.key,
                                             headers=list(original.items()))
            await consumer.commit()  # each letter is replayed once
        finally:
            await producer.stop()
            await consumer.stop()
        typer.echo(f"replayed {len(records)} message(s) from {dlq_topic(service)}")

    asyncio.run(go())
