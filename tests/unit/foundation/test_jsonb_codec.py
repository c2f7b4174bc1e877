"""The jsonb codec every service's pool uses: what goes in comes out, in Postgres's binary jsonb format."""
from __future__ import annotations

import json

import pytest

from shared.db import _jsonb_decode, _jsonb_encode


@pytest.mark.parametrize("value", [
    {"event_id": "0192c3a4-1111-7abc-8def-0123456789ab", "event_type": "VisitVerified", "content-type": "a/b"},
    {"name": "Siân Ó Dálaigh", "nested": [1, 2.5, None, True, {"k": "v"}], "big": 12345678901234567890123},
    ["a", 1, -7, 0.1],
    "just text",
    None,
])
def test_a_value_round_trips_as_version_1_jsonb(value):
    data = _jsonb_encode(value)
    assert data[:1] == b"\x01"  # jsonb's binary format version
    assert json.loads(data[1:]) == value
    assert _jsonb_decode(data) == value


def test_a_lone_surrogate_is_escaped_as_the_json_module_would_for_postgres_to_judge():
    # pydantic-core cannot encode it at all; the fallback gives Postgres the text it always got (and rejects).
    assert _jsonb_encode({"carer_id": "\ud800x"}) == b'\x01{"carer_id":"\\ud800x"}'
