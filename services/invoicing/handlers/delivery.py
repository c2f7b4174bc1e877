"""delivery.events in: confirmed actuals, taken a batch at a time.

The topic also carries every VisitVerified (~700,000 a county's four weeks), which invoicing does
not read: the consumer skips them by their `event_type` header without parsing (before any
transaction), and this handler parses only PeriodActualsConfirmed. A batch of confirmations costs a
fixed number of statements: weeks and lines stored (COPY), corrections applied, the invoices they
complete raised, corrected or rechecked.

PeriodActualsConfirmed is read straight into dicts, for the volume self-billing takes in (a county's
four weeks is ~700,000 lines): validated against TypedDicts made from the contract's own fields
(types, constraints, no extra keys) a line costs ~4 µs, against ~19 µs into the contract's models and
copied into rows; rows come out of the dicts by `itemgetter`. The TypedDicts are derived from the
contract, not written again, so they cannot drift from it; a unit test holds them to accepting and
refusing what it does. Read tolerantly, as every consumer reads: keys the contract does not know are
ignored and counted (`contracts.tolerant`).
"""
from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

import asyncpg
from pydantic import TypeAdapter, ValidationError

from contracts import delivery as contract
from contracts.envelope import Envelope
from contracts.tolerant import read
from shared.clock import london_date, utcnow
from shared.consumer import BatchContext, EventBatchConsumer
from shared.records import Incoming, Poison
from shared.events import Cause
from shared.gc_pause import cyclic_gc_paused
from shared.redaction import describe
from shared.schemas import events_schema
from shared.tracing import continued
from shared.wire import wire_of
from services.invoicing.domain.adjustments import Adjustment, HeldVisit
from services.invoicing.domain.holds import HoldCode
from services.invoicing.steps.corrections import correct_self_bills
from services.invoicing.steps.self_billing import self_bill
from services.invoicing.steps.validation import SYSTEM, lock_provider_facts, recheck_held
from services.invoicing.store import actuals as store_actuals
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.actuals import ConfirmedWeek

CONFIRMED = contract.PeriodActualsConfirmed
# Held for want of these facts: confirmed actuals may settle them.
ACTUALS_HOLDS = (HoldCode.ACTUALS_NOT_CONFIRMED.value, HoldCode.VISIT_NOT_VERIFIED.value,
                 HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS.value)

# --- PeriodActualsConfirmed on the wire, as dicts -------------------------------------------------
LineWire = wire_of(contract.ActualsLine, "ActualsLineWire")
ConfirmedWire = wire_of(contract.PeriodActualsConfirmed, "PeriodActualsConfirmedWire", lines=list[LineWire])
EnvelopeWire = wire_of(Envelope[contract.PeriodActualsConfirmed], "PeriodActualsConfirmedEnvelopeWire",
                       payload=ConfirmedWire)
ENVELOPE = TypeAdapter(EnvelopeWire)

# A line's cells in the order of the stored visit row after (agreement_id, week_start).
line_cells = itemgetter("visit_key", "visit_id", "carer_id", "local_date", "payable_minutes", "rate_pence_per_hour",
                        "amount_pence", "revision")


def confirmations(items: Sequence[Incoming], ctx: BatchContext) -> list[dict]:
    """The PeriodActualsConfirmed envelopes of a batch (as dicts), in order; other events skipped unparsed."""
    out = []
    for item in items:
        if item.headers.get("event_type", CONFIRMED.EVENT_TYPE) != CONFIRMED.EVENT_TYPE:
            continue
        try:
            envelope, unknown = read(ENVELOPE.validate_json, item.value or b"")
        except ValidationError as exc:
            # No header to say what it is: the consumer's decoder tells another event (skipped) from a message
            # no one can read, which is poison with the reason every consumer of the topic gives.
            if item.headers.get("event_type") is None and ctx.decode(item).event is None:
                continue
            raise Poison("invalid_payload", describe(exc, limit=500)) from exc
        if envelope["event_type"] != CONFIRMED.EVENT_TYPE or envelope["schema_version"] != CONFIRMED.SCHEMA_VERSION:
            raise Poison("unknown_schema_version", f"{envelope['event_type']} v{envelope['schema_version']}")
        if item.key != envelope["aggregate_id"]:
            raise Poison("wrong_key", f"record key {item.key!r} is not the aggregate_id {envelope['aggregate_id']!r}")
        if unknown:
            ctx.consumer.count_unknown_fields(CONFIRMED.EVENT_TYPE, unknown)
        out.append(envelope)
    return out


def confirmed_week(envelope: dict) -> ConfirmedWeek:
    e = envelope["payload"]
    aid, monday = e["agreement_id"], e["week_start"]
    visits = tuple(HeldVisit(aid, monday, *line_cells(line)) for line in e["lines"])
    return ConfirmedWeek(aid, monday, e["provider_id"], e["person_ref"], e["amount_pence"], e["confirmed_by"],
                         envelope["event_id"], envelope["occurred_at"], visits)


def _adjustments(envelopes: list[dict]) -> list:
    return [(Adjustment(e["payload"]["agreement_id"], a.week_start, a.visit_key, a.carer_id, a.amount_pence_delta,
                        a.revision), e["payload"]["week_start"], e["event_id"])
            for e in envelopes for a in e["payload"].get("adjustments", ())]


async def on_delivery_batch(conn: asyncpg.Connection, items: list[Incoming], ctx: BatchContext) -> None:
    with cyclic_gc_paused():
        await _take_confirmations(conn, items, ctx)


async def _take_confirmations(conn: asyncpg.Connection, items: list[Incoming], ctx: BatchContext) -> None:
    envelopes = confirmations(items, ctx)
    if not envelopes:
        return
    # The same week confirmed twice in one batch: the later confirmation stands.
    latest = {(e["payload"]["agreement_id"], e["payload"]["week_start"]): e for e in envelopes}
    # Before anything is read: an agreement or self-billing arriving meanwhile either commits first (and is
    # seen below) or waits and then finds these weeks to bill (handlers.agreements).
    await lock_provider_facts(conn, (e["payload"]["provider_id"] for e in envelopes))
    confirmed_again = await store_actuals.record_confirmed_weeks(conn, [confirmed_week(e) for e in latest.values()])
    changed = confirmed_again | await store_actuals.apply_adjustments(conn, _adjustments(envelopes))
    by_agreement = {e["payload"]["agreement_id"]: e for e in envelopes}
    outbox = ctx.outbox

    def cause_of(agreement_id: str) -> Cause:
        envelope = by_agreement[agreement_id]  # the invoice follows from the confirmation that completed it
        return Cause(envelope["correlation_id"], str(envelope["event_id"]), SYSTEM,
                     continued(envelope.get("traceparent")))  # in the confirmation's trace

    today = london_date(utcnow())
    await self_bill(conn, outbox, cause_of, latest.keys(), issued_on=today)
    await correct_self_bills(conn, outbox, cause_of, SYSTEM, changed, issued_on=today)
    held = await store_invoices.held_with(conn, ACTUALS_HOLDS, agreement_ids=list(by_agreement))
    await recheck_held(conn, outbox, cause_of(envelopes[-1]["payload"]["agreement_id"]), held,
                       "actuals confirmed for an agreement on the invoice")


DELIVERY = EventBatchConsumer(
    name="invoicing.delivery",
    topic=contract.TOPIC,
    batch_handler=on_delivery_batch,
    batch_reads=frozenset({CONFIRMED}),  # every VisitVerified is skipped by its headers, outside any transaction
    payload_schema=events_schema([CONFIRMED]),
    gather_ms=250,  # the delivery stream is mostly VisitVerified: a few large batches a second, not dozens
    description="Confirmed actuals: stored, self-billed when a period is complete, corrections credited or added.",
)
