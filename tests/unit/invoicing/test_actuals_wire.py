"""Confirmed actuals read into dicts accept and refuse exactly what the delivery contract does, both read
tolerantly (contracts.tolerant): unknown keys ignored and named, anything else wrong refused."""
from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from contracts import delivery as dl
from contracts.envelope import Actor, Envelope
from contracts.tolerant import read
from shared.events import Cause, envelope_for
from services.invoicing.handlers.delivery import ENVELOPE, confirmed_week, line_cells

MONDAY = date(2026, 3, 2)
CONTRACT = Envelope[dl.PeriodActualsConfirmed]


def _envelope_json(**payload_changes) -> dict:
    line = dl.ActualsLine(visit_key="AGR-1/2026-03-02T09:00:00", visit_id="V-1", carer_id="C-1", local_date=MONDAY,
                          payable_minutes=60, rate_pence_per_hour=2400, amount_pence=2400, revision=1)
    event = dl.PeriodActualsConfirmed(agreement_id="AGR-1", person_ref="P-1", provider_id="PRV-1", week_start=MONDAY,
                                      confirmed_by="auto", lines=[line], payable_minutes=60, amount_pence=2400,
                                      adjustments_pence=0)
    envelope = envelope_for(event, producer="delivery", council_id="c", cause=Cause("corr", None,
                                                                                  Actor(id="d", role="system")))
    data = json.loads(envelope.model_dump_json())
    for path, value in payload_changes.items():
        *parents, last = path.split(".")
        node = data["payload"]
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return data


def _both(data: dict, unknown: tuple[str, ...] = ()):
    raw = json.dumps(data)
    outcomes = []
    for adapter in (CONTRACT.model_validate_json, ENVELOPE.validate_json):
        try:
            value, ignored = read(adapter, raw)
        except ValidationError:
            outcomes.append(None)
            continue
        assert ignored == unknown
        outcomes.append(value)
    return outcomes


def test_a_valid_confirmation_reads_the_same_through_the_contract_and_as_dicts():
    model, wire = _both(_envelope_json())
    assert wire["payload"]["week_start"] == model.payload.week_start and wire["event_id"] == model.event_id
    assert line_cells(wire["payload"]["lines"][0]) == ("AGR-1/2026-03-02T09:00:00", "V-1", "C-1", MONDAY, 60, 2400,
                                                       2400, 1)
    week = confirmed_week(wire)
    assert (week.agreement_id, week.week_start, week.visits[0].amount_pence) == ("AGR-1", MONDAY, 2400)


@pytest.mark.parametrize("change", [
    {"lines.0.amount_pence": "a lot"},
    {"lines.0.visit_id": ...},
    {"lines.0.surprise": 1, "lines.0.amount_pence": "a lot"},
    {"confirmed_by": "robot"},
    {"week_start": "last week"},
    {"surprise": True, "week_start": "last week"},
])
def test_what_the_contract_refuses_is_refused_as_dicts_too(change):
    assert _both(_envelope_json(**change)) == [None, None]


def test_keys_the_contract_does_not_know_are_ignored_and_named_the_same_both_ways():
    model, wire = _both(_envelope_json(**{"lines.0.surprise": 1, "surprise": True}),
                        unknown=("payload.lines.surprise", "payload.surprise"))
    assert "surprise" not in wire["payload"] and "surprise" not in wire["payload"]["lines"][0]
    assert wire["payload"]["lines"][0]["amount_pence"] == model.payload.lines[0].amount_pence == 2400


def test_optional_adjustments_may_be_left_out():
    model, wire = _both(_envelope_json(adjustments=...))
    assert model is not None and wire is not None and wire["payload"].get("adjustments", ()) == ()


def test_a_confirmation_with_keys_the_contract_does_not_know_is_taken_and_they_are_counted():
    from dataclasses import replace

    from services.invoicing.handlers.delivery import DELIVERY, confirmations
    from shared.consumer import BatchContext
    from shared.metrics import REGISTRY
    from shared.records import Incoming

    data = _envelope_json(**{"surprise": True, "lines.0.note": "x"})
    item = Incoming("delivery.events", 0, 1, data["aggregate_id"], json.dumps(data).encode(),
                    {"event_type": "PeriodActualsConfirmed"}, message_id="delivery.events:0:1")
    labels = {"service": "invoicing", "event_type": "PeriodActualsConfirmed"}
    before = REGISTRY.get_sample_value("carepay_event_unknown_fields_total", labels) or 0
    taken = confirmations([item], BatchContext(None, replace(DELIVERY, runtime=None)))  # counted as "invoicing"
    assert [str(e["event_id"]) for e in taken] == [data["event_id"]]
    assert REGISTRY.get_sample_value("carepay_event_unknown_fields_total", labels) == before + 2
