"""Events in: agreements (to plan and price visits) and the raw ECM topic `ecm.visits`."""
from __future__ import annotations

import uuid

import asyncpg

from contracts import agreements
from contracts.ecm import TOPIC as ECM_TOPIC, ecm_record_schema
from contracts.envelope import Actor
from services.delivery import store_agreements
from services.delivery.ingest import Feed, ingest_batch
from services.delivery.publishing import received_by_provider
from services.delivery.state import pipeline_of
from services.delivery.validation import validate_json_batch
from shared.consumer import Consumer, Incoming
from shared.gc_pause import cyclic_gc_paused
from shared.events import Cause

SYSTEM = Actor(id="system:delivery", role="system")


async def on_provider_registered(conn: asyncpg.Connection, message: Incoming) -> None:
    """A provider's feeds may name it by its CQC provider ID or any of its CQC location IDs."""
    event: agreements.ProviderRegistered = message.event  # type: ignore[assignment]
    await store_agreements.record_provider(conn, event.provider_id, [event.cqc_provider_id, *event.cqc_location_ids],
                                           message.envelope.occurred_at)


async def on_agreement_changed(conn: asyncpg.Connection, message: Incoming) -> None:
    """Every agreement event carries the whole agreement: keep the latest (never an older one)."""
    await store_agreements.record_agreement(conn, message.event, message.envelope.occurred_at)  # type: ignore[arg-type]


AGREEMENTS = Consumer(
    name="delivery.agreements",
    topic=agreements.TOPIC,
    handlers={agreements.ProviderRegistered: on_provider_registered,
              agreements.AgreementActivated: on_agreement_changed,
              agreements.AgreementVaried: on_agreement_changed,
              agreements.AgreementSuspended: on_agreement_changed,
              agreements.AgreementResumed: on_agreement_changed,
              agreements.AgreementEnded: on_agreement_changed},
    description="Providers' feed references and the whole of every agreement: schedules, terms by version, "
                "suspensions and dates, to plan, match and price visits.",
)


async def on_ecm_records(conn: asyncpg.Connection, items: list[Incoming]) -> None:
    """One batch of raw ECM records through the shared pipeline, in the consumer's transaction."""
    with cyclic_gc_paused():  # parsing included (see ingest_batch)
        await _ecm_records(conn, items)


async def _ecm_records(conn: asyncpg.Connection, items: list[Incoming]) -> None:
    batch = validate_json_batch([item.value or b"" for item in items])
    feed = Feed("kafka", intake_id=f"kafka:{items[0].message_id}",
                places=[(item.message_id, item.where) for item in items])
    cause = Cause(correlation_id=str(uuid.uuid4()), causation_id=items[0].message_id, actor=SYSTEM)
    runtime = ECM.runtime
    outcomes = await ingest_batch(conn, pipeline_of(runtime), cause, feed, batch)
    summary = received_by_provider(feed.intake_id, "kafka", [(o.provider_id, o.outcome) for o in outcomes])
    await runtime.outbox.publish(conn, summary, cause)


ECM = Consumer(
    name="delivery.ecm",
    topic=ECM_TOPIC,
    batch_handler=on_ecm_records,
    payload_schema=ecm_record_schema(),
    inbox_by_offset=True,  # each record is stored under its topic:partition:offset; no inbox row each too
    description="One JSON object per carer attendance (contracts.ecm.EcmAttendance), keyed by provider_ref. "
                "Each record is verified, held as unallocated, or rejected with a reason (delivery.events).",
)

CONSUMERS = [AGREEMENTS, ECM]
