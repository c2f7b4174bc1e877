"""delivery.events in: visits and confirmed weeks a query can be about, and re-verifications done.

A visit is known by its `visit_key` (agreement and planned local start) from its first VisitVerified
or its VisitMissed; a week of actuals by `<agreement_id>/<week_start>`. VisitCorrected echoing a
query's ids completes that query's reverify_visit effect, linking the visit; VisitReverificationRefused
fails it with delivery's reason.

VisitVerified is the delivery stream itself (a county's ~25,000 visits a day, each revision again), so
a batch takes it and VisitMissed as dicts checked against the contract (`shared.wire`) and knows all
their visits in one statement; every other event is decoded by the consumer (`ctx.decode`) and goes
to its handler, in order. A record the fast path cannot read is decoded the same way, which says why
it is poison. Both read tolerantly: fields the contract does not know are ignored and counted.
"""
from __future__ import annotations

from datetime import date

import asyncpg
from pydantic import TypeAdapter, ValidationError

from contracts import delivery as contract
from contracts.envelope import Envelope
from contracts.queries import SubjectKind
from contracts.tolerant import read
from services.queries import store
from services.queries.steps.effect_results import record_result
from shared.consumer import BatchContext, Context, EventBatchConsumer
from shared.records import Incoming
from shared.gc_pause import cyclic_gc_paused
from shared.schemas import events_schema
from shared.wire import wire_of


def period_actuals_id(agreement_id: str, week_start: date) -> str:
    """How a query names a week of an agreement's actuals."""
    return f"{agreement_id}/{week_start.isoformat()}"


async def on_visit(conn: asyncpg.Connection, event: contract.VisitVerified | contract.VisitMissed
                   | contract.VisitCorrected, ctx: Context) -> None:
    await store.subjects.record(conn, SubjectKind.VISIT, event.visit_key, provider_id=event.provider_id,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)


async def on_visit_corrected(conn: asyncpg.Connection, event: contract.VisitCorrected, ctx: Context) -> None:
    await on_visit(conn, event, ctx)
    if event.query_id and event.effect_id:
        await record_result(conn, ctx.outbox, ctx.envelope, event.query_id, event.effect_id,
                            result_ref=event.visit_key)


async def on_reverification_refused(conn: asyncpg.Connection, event: contract.VisitReverificationRefused,
                                    ctx: Context) -> None:
    await record_result(conn, ctx.outbox, ctx.envelope, event.query_id, event.effect_id, failure=event.reason)


async def on_period_confirmed(conn: asyncpg.Connection, event: contract.PeriodActualsConfirmed,
                              ctx: Context) -> None:
    await store.subjects.record(conn, SubjectKind.PERIOD_ACTUALS, period_actuals_id(event.agreement_id,
                                                                                    event.week_start),
                                provider_id=event.provider_id, person_refs=[event.person_ref],
                                agreement_id=event.agreement_id)


HANDLERS = {
    contract.VisitVerified: on_visit,
    contract.VisitMissed: on_visit,
    contract.VisitCorrected: on_visit_corrected,
    contract.VisitReverificationRefused: on_reverification_refused,
    contract.PeriodActualsConfirmed: on_period_confirmed,
}
_FLAG = wire_of(contract.VisitFlag, "VisitFlagWire")
_FAST = {model.EVENT_TYPE: (model, TypeAdapter(wire_of(Envelope[model], f"{model.__name__}EnvelopeWire",
                                                       payload=wire_of(model, f"{model.__name__}Wire",
                                                                       flags=list[_FLAG]))))
         for model in (contract.VisitVerified, contract.VisitMissed)}


def _fast_envelope(item: Incoming) -> dict | None:
    """The envelope of a VisitVerified or VisitMissed as a dict, when it reads cleanly (fields the contract
    does not know ignored, and named in `item.unknown_fields`); else None."""
    fast = _FAST.get(item.headers.get("event_type", ""))
    if fast is None or item.value is None:
        return None
    model, adapter = fast
    try:
        envelope, unknown = read(adapter.validate_json, item.value)
    except ValidationError:
        return None
    if (envelope["event_type"], envelope["schema_version"]) != (model.EVENT_TYPE, model.SCHEMA_VERSION) \
            or item.key != envelope["aggregate_id"]:
        return None
    item.unknown_fields = unknown
    return envelope


async def on_delivery_batch(conn: asyncpg.Connection, items: list[Incoming], ctx: BatchContext) -> None:
    with cyclic_gc_paused():
        visits: dict[str, tuple[str, str, str]] = {}  # visit_key -> (provider_id, person_ref, agreement_id)
        for item in items:
            envelope = _fast_envelope(item)
            if envelope is not None:
                if item.unknown_fields:
                    ctx.consumer.count_unknown_fields(envelope["event_type"], item.unknown_fields)
                e = envelope["payload"]
                visits[e["visit_key"]] = (e["provider_id"], e["person_ref"], e["agreement_id"])
                continue
            decoded = ctx.decode(item)  # raises Poison, with the reason every consumer gives
            if decoded.event is None:
                continue  # an event this consumer does not act on
            await store.subjects.record_visits(conn, visits)  # what came before it, first
            visits = {}
            with ctx.handling(decoded):  # in its own trace: what the handler writes carries it on
                await HANDLERS[type(decoded.event)](conn, decoded.event,
                                                    Context(decoded.envelope, ctx.outbox, decoded))
        await store.subjects.record_visits(conn, visits)


DELIVERY = EventBatchConsumer(
    name="queries.delivery",
    topic=contract.TOPIC,
    batch_handler=on_delivery_batch,
    batch_reads=frozenset(HANDLERS),
    payload_schema=events_schema(list(HANDLERS)),
    gather_ms=250,  # the delivery stream is mostly VisitVerified: a few large batches a second, not dozens
    description="Visits (verified or missed) and confirmed weeks of actuals a query can be about, with their "
                "provider and person; VisitCorrected echoing a query's ids completes its re-verification, "
                "VisitReverificationRefused fails it with the reason.",
)
