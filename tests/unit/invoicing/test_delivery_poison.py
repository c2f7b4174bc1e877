"""delivery.events that invoicing cannot read are poison with the reason every consumer gives;
events of other types are skipped, with or without the header that names them."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest

from services.invoicing.handlers.delivery import DELIVERY, confirmations
from shared.consumer import BatchContext
from shared.records import Incoming, Poison
from shared.outbox import Outbox

KEY = "PRV-1"
CTX = BatchContext(Outbox("invoicing", "demo-council"), DELIVERY)  # nothing is published on these paths


def _envelope(**over) -> dict:
    env = {"event_id": str(uuid.uuid4()), "event_type": "AttendancesReceived", "schema_version": 1,
           "occurred_at": datetime(2026, 3, 2, tzinfo=timezone.utc).isoformat(), "producer": "delivery",
           "correlation_id": "c", "council_id": "demo-council", "actor": {"id": "system:delivery", "role": "system"},
           "aggregate_id": KEY, "payload": {"provider_id": KEY, "intake_id": "i", "source": "http", "received": 0,
                                           "verified": 0, "unallocated": 0, "rejected": 0}}
    return env | over


def _item(value: bytes | None, **headers: str) -> Incoming:
    return Incoming("delivery.events", 0, 7, KEY, value, dict(headers), message_id="delivery.events:0:7")


def test_another_event_is_skipped_with_or_without_its_header():
    body = json.dumps(_envelope()).encode()
    assert confirmations([_item(body), _item(body, event_type="AttendancesReceived")], CTX) == []


@pytest.mark.parametrize(("value", "reason"), [
    (b"{not json", "invalid_json"),
    (b"[" * 50_000 + b"]" * 50_000, "invalid_json"),
    (None, "empty_value"),
    (json.dumps(_envelope(occurred_at="x" * 1000)).encode(), "invalid_envelope"),
    (json.dumps(_envelope(event_type="NoSuchEvent")).encode(), "unknown_event_type"),
    (json.dumps(_envelope(schema_version=99)).encode(), "unknown_schema_version"),
    (json.dumps(_envelope(aggregate_id="PRV-OTHER")).encode(), "wrong_key"),
])
def test_a_message_without_a_header_that_no_one_can_read_is_poison(value, reason):
    with pytest.raises(Poison) as found:
        confirmations([_item(value)], CTX)
    assert found.value.reason == reason
