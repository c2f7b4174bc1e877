"""The stream writes VisitVerified from its fields, not the model (events.verified_fields): what goes to the
outbox must be byte for byte what `Envelope[VisitVerified](...).model_dump_json()` would have written."""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, datetime, time

import pytest

from contracts.delivery import VisitVerified
from contracts.envelope import Actor, Envelope
from services.delivery.domain.rates import rate_table
from services.delivery.domain.verification import AgreementTerms, verify_visit
from services.delivery.domain.visit_changes import StoredVisit, reverify
from services.delivery.events import change_event_fields, change_events
from shared.events import Cause
from shared.outbox import Outbox, envelope_headers

from .builders import planned, record

TERMS = AgreementTerms(rate_table({date(2024, 1, 1): 2400}))
CAUSE = Cause("corr-1", "ecm.visits:3:1200", Actor(id="system:delivery", role="system"))
TRACED = Cause("corr-1", "ecm.visits:3:1200", Actor(id="system:delivery", role="system"),
               "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")


class Captured:
    """Just enough of an asyncpg connection for the outbox to write to."""

    def __init__(self) -> None:
        self.records: list[tuple] = []

    def is_in_transaction(self) -> bool:
        return True

    async def copy_records_to_table(self, table, *, records, columns) -> None:
        self.records += records

    async def executemany(self, sql, records) -> None:
        self.records += records


def written(changes, cause: Cause = CAUSE) -> list[tuple]:
    conn = Captured()
    asyncio.run(Outbox("delivery", "demo-council").publish_fields(conn, change_event_fields(changes), cause))
    return conn.records


def as_the_model_writes(value: bytes, event, cause: Cause = CAUSE) -> Envelope:
    sent = json.loads(value)
    return Envelope[type(event)](
        event_id=uuid.UUID(sent["event_id"]), event_type=event.EVENT_TYPE, schema_version=event.SCHEMA_VERSION,
        occurred_at=datetime.fromisoformat(sent["occurred_at"]), producer="delivery",
        correlation_id=cause.correlation_id, causation_id=cause.causation_id, traceparent=cause.traceparent,
        council_id="demo-council", actor=cause.actor, aggregate_id=event.aggregate_id(), payload=event)


def changes_of(visit, *records, stored=()) -> list:
    return reverify(visit, list(stored), [(f"r{i}", r) for i, r in enumerate(records)], TERMS)


CASES = {
    "on time": lambda: changes_of(planned(), record()),
    "late, short and manual": lambda: changes_of(planned(), record(late_by=31, minutes=5, check_in_method="manual")),
    "two carers, one recorded": lambda: changes_of(planned(carers=2), record()),
    "no access (no times)": lambda: changes_of(planned(), record(minutes=None, exception_code="NOACCESS")),
    "a summer (BST) visit": lambda: changes_of(planned(day=date(2024, 7, 1), at=time(21)),
                                               record(day=date(2024, 7, 1), at=time(21))),
    "awkward text in ids": lambda: changes_of(
        planned(agreement='AGR-"quoted"\\back', person="SU-é-ünï-💡"),
        record(visit_id="V-\t\n\x01-</script>", carer_id="C-\u2028-\x7f")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_verified_visit_written_from_its_fields_is_the_contracts_own_json(case):
    changes = CASES[case]()
    [(event_id, topic, key, event_type, value, headers)] = written(changes)
    [event] = change_events(changes)
    envelope = as_the_model_writes(value, event)
    assert value == envelope.model_dump_json().encode()
    assert (event_id, topic, key, event_type, headers) == (
        envelope.event_id, "delivery.events", event.agreement_id, "VisitVerified", envelope_headers(envelope))


def test_a_verified_visit_in_a_trace_carries_its_traceparent_in_the_value_and_the_kafka_headers():
    changes = CASES["on time"]()
    [(_, _, _, _, value, headers)] = written(changes, TRACED)
    [event] = change_events(changes)
    envelope = as_the_model_writes(value, event, TRACED)
    assert value == envelope.model_dump_json().encode()
    assert envelope.traceparent == headers["traceparent"] == TRACED.traceparent
    assert headers == envelope_headers(envelope)
    [(_, _, _, _, untraced, headers)] = written(changes)  # no trace: null in the value, no header
    assert json.loads(untraced)["traceparent"] is None and "traceparent" not in headers


def test_a_correction_keeps_its_visit_verified_then_visit_corrected_order():
    visit = planned()
    before = [StoredVisit(v, record(minutes=15), "r0", 1, False) for v in verify_visit(visit, [record(minutes=15)], TERMS)]
    changes = changes_of(visit, record(minutes=30), stored=before)
    rows = written(changes)
    events = change_events(changes)
    assert [r[3] for r in rows] == ["VisitVerified", "VisitCorrected"]
    for row, event in zip(rows, events):
        assert row[4] == as_the_model_writes(row[4], event).model_dump_json().encode()
    assert isinstance(events[0], VisitVerified) and json.loads(rows[0][4])["payload"]["revision"] == 2
