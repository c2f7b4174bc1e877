"""`carepay dlq list|replay SERVICE`: see and re-drive dead-lettered messages."""
from __future__ import annotations

import asyncio
import json

import typer
from aiokafka import AIOKafkaConsumer

from contracts.topics import SERVICES, dlq_topic
from shared.kafka_io import idempotent_producer, partitions_of
from shared.settings import settings_for

app = typer.Typer(help="Dead-letter topics: list and replay.", no_args_is_help=True)


def _check(service: str) -> str:
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    return settings_for(service).kafka_bootstrap_servers


async def read_dlq(bootstrap: str, service: str, group_id: str | None = None, limit: int = 1000):
    """Records on `<service>.dlq` (from the group's position when `group_id`, else from the start)."""
    topic = dlq_topic(service)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False,
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


@app.command("list")
def list_(service: str, limit: int = 100) -> None:
    """Print each dead-lettered message: where it came from, why, and the start of its value."""
    bootstrap = _check(service)

    async def go() -> None:
        records, consumer = await read_dlq(bootstrap, service, limit=limit)
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
    """Publish every not-yet-replayed dead letter back to its original topic (once each)."""
    bootstrap = _check(service)

    async def go() -> None:
        records, consumer = await read_dlq(bootstrap, service, group_id=f"{service}.dlq-replay")
        producer = idempotent_producer(bootstrap, f"{service}-dlq-replay")
        await producer.start()
        try:
            for r in records:
                h = _headers(r)
                original = {k: v.encode() for k, v in h.items() if not k.startswith("dlq_")}
                await producer.send_and_wait(h["dlq_original_topic"], value=r.value, key=r.key,
                                             headers=list(original.items()))
            await consumer.commit()  # each letter is replayed once
        finally:
            await producer.stop()
            await consumer.stop()
        typer.echo(f"replayed {len(records)} message(s) from {dlq_topic(service)}")

    asyncio.run(go())
