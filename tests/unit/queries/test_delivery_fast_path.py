"""queries' fast path for VisitVerified and VisitMissed reads what the contract accepts, hands everything
else to the consumer's decoder (`ctx.decode`, which dead-letters poison with its usual reason), and keeps
the batch's order."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from contracts import delivery as dl
from contracts.envelope import Actor
from shared.consumer import BatchContext
from shared.records import Incoming, Poison
from shared.events import Cause, envelope_for
from services.queries.handlers import delivery as handlers_delivery
from services.queries.store import subjects as store_subjects

DAY = date(2026, 3, 2)
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CTX = BatchContext(outbox=SimpleNamespace(), consumer=handlers_delivery.DELIVERY)  # no step here publishes


def _verified(visit_key: str = "AGR-1/2026-03-02T09:00:00") -> dl.VisitVerified:
    return dl.VisitVerified(agreement_id="AGR-1", person_ref="P-1", provider_id="PRV-1", visit_key=visit_key,
                            visit_id="V-1", carer_id="C-1", revision=1, local_date=DAY, week_start=DAY,
                            planned_start=START, planned_minutes=60, actual_minutes=58, payable_minutes=60,
                            rate_pence_per_hour=2400, amount_pence=2400,
                            flags=[dl.VisitFlag(code="late_check_in", reason="31 minutes late")])


def _item(event, *, change=None, key=None, offset=0) -> Incoming:
    envelope = envelope_for(event, producer="delivery", council_id="c",
                            cause=Cause("corr", None, Actor(id="system:delivery", role="system")))
    data = json.loads(envelope.model_dump_json())
    if change:
        change(data)
    return Incoming(dl.TOPIC, 0, offset, key if key is not None else envelope.aggregate_id, json.dumps(data).encode(),
                    {"event_type": envelope.event_type, "schema_version": "1"}, message_id=f"m{offset}")


def test_a_visit_verified_is_read_as_the_contract_reads_it():
    envelope = handlers_delivery._fast_envelope(_item(_verified()))
    assert envelope is not None
    assert {k: envelope["payload"][k] for k in ("visit_key", "provider_id", "person_ref", "agreement_id")} == {
        "visit_key": "AGR-1/2026-03-02T09:00:00", "provider_id": "PRV-1", "person_ref": "P-1", "agreement_id": "AGR-1"}


@pytest.mark.parametrize("change, key, reason", [
    (lambda d: d["payload"].pop("visit_key"), None, "invalid_payload"),
    (lambda d: d["payload"].update(amount_pence="lots"), None, "invalid_payload"),
    (lambda d: d["payload"].update(surprise=1, amount_pence="lots"), None, "invalid_payload"),
    (lambda d: d["payload"]["flags"][0].update(code=7), None, "invalid_payload"),
    (lambda d: d.update(schema_version=9), None, "unknown_schema_version"),
    (None, "AGR-OTHER", "wrong_key"),
])
def test_what_the_contract_refuses_leaves_the_fast_path_and_is_poison_with_the_usual_reason(change, key, reason):
    item = _item(_verified(), change=change, key=key)
    assert handlers_delivery._fast_envelope(item) is None
    with pytest.raises(Poison) as refused:
        CTX.decode(item)
    assert refused.value.reason == reason


def test_fields_the_contract_does_not_know_stay_on_the_fast_path_ignored_and_counted():
    def grow(d):
        d["payload"].update(surprise=1)
        d["payload"]["flags"][0].update(severity="high")
        d.update(baggage="tenant=north")

    item = _item(_verified(), change=grow)
    envelope = handlers_delivery._fast_envelope(item)
    assert envelope is not None and "surprise" not in envelope["payload"] and "baggage" not in envelope
    assert item.unknown_fields == ("baggage", "payload.flags.severity", "payload.surprise")
    assert CTX.decode(item).unknown_fields == item.unknown_fields  # the slow path reads it the same way


async def test_a_batch_counts_the_unknown_fields_of_the_visits_it_reads(monkeypatch):
    from shared.metrics import REGISTRY

    async def record_visits(_conn, visits):
        recorded.update(visits)

    recorded: dict = {}
    monkeypatch.setattr(store_subjects, "record_visits", record_visits)
    labels = {"service": "queries", "event_type": "VisitVerified"}
    before = REGISTRY.get_sample_value("carepay_event_unknown_fields_total", labels) or 0
    items = [_item(_verified("AGR-1/a"), change=lambda d: d["payload"].update(surprise=1), offset=1),
             _item(_verified("AGR-1/b"), offset=2)]
    unbound = BatchContext(outbox=SimpleNamespace(), consumer=replace(handlers_delivery.DELIVERY, runtime=None))
    await handlers_delivery.on_delivery_batch(SimpleNamespace(), items, unbound)  # counted as "queries"
    assert sorted(recorded) == ["AGR-1/a", "AGR-1/b"]
    assert REGISTRY.get_sample_value("carepay_event_unknown_fields_total", labels) == before + 1


def test_invalid_json_is_poison_as_everywhere():
    item = _item(_verified())
    item.value = b'{"event_type": "VisitVerified", '
    assert handlers_delivery._fast_envelope(item) is None
    with pytest.raises(Poison) as refused:
        CTX.decode(item)
    assert refused.value.reason == "invalid_json"


async def test_visits_before_another_event_are_recorded_before_it_and_the_rest_after(monkeypatch):
    calls: list = []

    async def record_visits(_conn, visits):
        if visits:
            calls.append(("visits", sorted(visits)))

    async def on_refused(_conn, event, ctx):
        assert ctx.envelope.payload is event
        calls.append(("refused", event.query_id))

    monkeypatch.setattr(store_subjects, "record_visits", record_visits)
    monkeypatch.setitem(handlers_delivery.HANDLERS, dl.VisitReverificationRefused, on_refused)
    refused = dl.VisitReverificationRefused(agreement_id="AGR-1", visit_key="AGR-1/x",
                                            query_id="Q-1", effect_id="E-1", reason="no such visit")
    items = [_item(_verified("AGR-1/a"), offset=1), _item(_verified("AGR-1/b"), offset=2),
             _item(refused, offset=3), _item(_verified("AGR-1/c"), offset=4)]
    await handlers_delivery.on_delivery_batch(SimpleNamespace(), items, CTX)
    assert calls == [("visits", ["AGR-1/a", "AGR-1/b"]), ("refused", "Q-1"), ("visits", ["AGR-1/c"])]
