"""Hostile `ecm.visits` payloads: each message is one record, or one reject on its own row."""
from __future__ import annotations

import json

from services.delivery.domain.validation import validate_json_batch

from .builders import raw


def _payload(**over) -> bytes:
    return json.dumps(raw(**over)).encode()


def _outcomes(payloads: list[bytes]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    batch = validate_json_batch(payloads)
    return list(zip(batch.rows, [r.visit_id for r in batch.records])), [(r.row, r.reason) for r in batch.rejects]


def test_a_message_holding_two_records_is_rejected_not_read_as_two():
    two_in_one = _payload(visit_id="V-A") + b"," + _payload(visit_id="V-B")
    good, rejected = _outcomes([two_in_one, _payload(visit_id="V-C")])
    assert good == [(1, "V-C")]
    assert rejected == [(0, "json_invalid")]


def test_an_empty_message_alone_is_rejected_not_dropped():
    assert _outcomes([b""]) == ([], [(0, "json_invalid")])
    assert _outcomes([b"  "]) == ([], [(0, "json_invalid")])


def test_a_json_null_beside_broken_json_is_rejected_not_dropped():
    good, rejected = _outcomes([b"null", b"{broken", _payload(visit_id="V-1")])
    assert good == [(2, "V-1")]
    assert sorted(row for row, _ in rejected) == [0, 1]


def test_json_nested_past_the_parsers_depth_is_rejected_with_the_rest_kept():
    bomb = b"[" * 100_000 + b"]" * 100_000
    good, rejected = _outcomes([bomb, _payload(visit_id="V-1")])
    assert good == [(1, "V-1")]
    assert rejected == [(0, "json_invalid")]


def test_an_id_too_long_to_store_is_rejected_naming_the_field():
    long_ids = [_payload(carer_id="C" * 50_000), _payload(visit_id="V" * 201), _payload(agreement_ref="A" * 201)]
    batch = validate_json_batch(long_ids + [_payload(visit_id="V" * 200)])
    assert [(r.row, r.field, r.reason) for r in batch.rejects] == [
        (0, "carer_id", "invalid_value"), (1, "visit_id", "invalid_value"), (2, "agreement_ref", "invalid_value")]
    assert "longer than 200 characters" in batch.rejects[0].message
    assert batch.rows == [3]
