"""The payload generator of the released-contract test makes only what a schema admits, and refuses the
schema words it does not understand rather than ignore them."""
from __future__ import annotations

import jsonschema_rs
import pytest
from hypothesis import given, settings

from tests.unit.contracts.schema_payloads import is_partial_time, payloads

SCHEMA = {"type": "object", "required": ["when", "units", "code", "kind"], "properties": {
    "when": {"type": "string", "format": "date-time"},
    "units": {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}, {"type": "null"}]},
    "code": {"type": "string", "pattern": "^\\d{6}$"},
    "kind": {"enum": ["a", "b"], "type": "string"},
    "count": {"type": "integer", "exclusiveMinimum": 0, "maximum": 3},
    "at": {"type": "string", "format": "partial-time"},
    "lines": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": {"x": {"const": 1}},
                                                         "required": ["x"]}},
}}
VALID = jsonschema_rs.validator_for(SCHEMA, validate_formats=True, formats={"partial-time": is_partial_time})


@settings(max_examples=30, derandomize=True, database=None, deadline=None)
@given(payloads(SCHEMA))
def test_what_is_generated_is_valid_and_realistic(payload):
    VALID.validate(payload)
    assert payload["code"].isascii()
    units = payload["units"]
    assert units is None or float(units) >= 0  # a Decimal's text form is a number, not any text


@pytest.mark.parametrize("schema", [{"type": "string", "uniqueItems": True}, {"type": "string", "format": "email"},
                                    {"type": "tuple"}, {"not": {"type": "string"}}])
def test_a_schema_word_not_understood_is_refused_by_name(schema):
    with pytest.raises(ValueError, match="not generated here"):
        payloads(schema)


def test_a_partial_time_is_a_time_of_day_without_offset():
    assert is_partial_time("09:00:00") and is_partial_time("23:59:59.5")
    assert not is_partial_time("09:00") and not is_partial_time("09:00:00Z") and not is_partial_time("25:00:00")
