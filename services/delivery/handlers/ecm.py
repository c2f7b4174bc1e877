"""ecm.visits in: the raw call-monitoring topic, one JSON record a message, keyed by provider_ref.

Each batch of records goes through the pipeline every feed shares (`steps.ingest.ingest_batch`), in
the consumer's transaction; the inbox keeps one mark per partition (the records are known by their
topic:partition:offset), so no inbox row is written per record.
"""
from __future__ import annotations

import uuid

import asyncpg

from contracts.ecm import TOPIC as ECM_TOPIC, ecm_record_schema
from contracts.envelope import Actor
from services.delivery.domain.validation import validate_json_batch
from services.delivery.events import received_by_provider
from services.delivery.steps.ingest import Feed, ingest_batch, pipeline_of
from shared.consumer import BatchContext, RawBatchConsumer
from shared.records import Incoming
from shared.events import Cause
from shared.gc_pause import cyclic_gc_paused
from shared.tracing import current_traceparent

SYSTEM = Actor(id="system:delivery", role="system")


async def on_ecm_records(conn: asyncpg.Connection, items: list[Incoming], ctx: BatchContext) -> None:
    """One batch of raw ECM records through the shared pipeline, in the consumer's transaction."""
    with cyclic_gc_paused():  # parsing included (see ingest_batch)
        await _ecm_records(conn, items, ctx)


async def _ecm_records(conn: asyncpg.Connection, items: list[Incoming], ctx: BatchContext) -> None:
    batch = validate_json_batch([item.value or b"" for item in items])
    feed = Feed("kafka", intake_id=f"kafka:{items[0].message_id}",
                places=[(item.message_id, item.where) for item in items])
    # Raw records carry no envelope: what the batch writes is in the batch's trace (its span links to any
    # traceparent the records' headers bring).
    cause = Cause(correlation_id=str(uuid.uuid4()), causation_id=items[0].message_id, actor=SYSTEM,
                  traceparent=current_traceparent())
    outcomes = await ingest_batch(conn, pipeline_of(ctx.outbox), cause, feed, batch)
    summary = received_by_provider(feed.intake_id, "kafka", [(o.provider_id, o.outcome) for o in outcomes])
    await ctx.outbox.publish(conn, summary, cause)


ECM = RawBatchConsumer(
    name="delivery.ecm",
    topic=ECM_TOPIC,
    batch_handler=on_ecm_records,
    payload_schema=ecm_record_schema(),
    description="One JSON object per carer attendance (contracts.ecm.EcmAttendance), keyed by provider_ref. "
                "Each record is verified, held as unallocated, or rejected with a reason (delivery.events).",
)
