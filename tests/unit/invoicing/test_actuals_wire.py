"""Confirmed actuals read into dicts accept and refuse exactly what the delivery contract does."""
from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from contracts import delivery as dl
from contracts.envelope import Actor, Envelope
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


def _both(data: dict):
    raw = json.dumps(data)
    outcomes = []
    for adapter in (CONTRACT.model_validate_json, ENVELOPE.validate_json):
        try:
            outcomes.append(adapter(raw))
        except ValidationError:
            outcomes.append(None)
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
    {"lines.0.surprise": 1},
    {"confirmed_by": "robot"},
    {"week_start": "last week"},
    {"surprise": True},
])
def test_what_the_contract_refuses_is_refused_as_dicts_too(change):
    assert _both(_envelope_json(**change)) == [None, None]


def test_optional_adjustments_may_be_left_out():
    model, wire = _both(_envelope_json(adjustments=...))
    assert model is not None and wire is not None and wire["payload"].get("adjustments", ()) == ()
