"""The compatibility rule within a schema version (shared.compatibility): what tolerant readers survive."""
from __future__ import annotations

import pytest

from shared.compatibility import incompatibilities

STR, INT, NULL = {"type": "string"}, {"type": "integer"}, {"type": "null"}


def _event(required=("a",), **props) -> dict:
    return {"type": "object", "properties": {"a": STR, **props}, "required": list(required)}


@pytest.mark.parametrize("old, new", [
    (_event(), _event(b={"anyOf": [STR, NULL], "default": None})),  # an optional field added
    (_event(b={**STR, "default": "x"}), _event()),  # an optional field removed
    (_event(b=INT), _event(b={"anyOf": [INT, NULL], "default": None})),  # widened: null too
    (_event(b={**STR, "enum": ["x"]}), _event(b={**STR, "enum": ["x", "y"]})),  # widened: another value
    (_event(b={**STR, "const": "x"}), _event(b={**STR, "enum": ["x", "y"]})),
    (_event(b={**INT, "minimum": 1}), _event(b={**INT, "minimum": 0})),  # widened: a looser bound
    (_event(b={**INT, "exclusiveMinimum": 0}), _event(b={**INT, "minimum": 1})),  # one bound, spelt otherwise
    (_event(b=INT), _event(b={"type": "number"})),
    (_event(("a", "b"), b=STR), _event(("a",), b={**STR, "default": ""})),  # a required field made optional
    (_event(b={**STR, "maxLength": 5}), _event(b=STR)),
    (_event(a={**STR, "description": "x", "title": "A", "examples": ["q"]}), _event(a={**STR, "description": "y"})),
    (_event(b={"type": "object", "properties": {"c": STR}, "required": ["c"], "additionalProperties": False}),
     _event(b={"type": "object", "properties": {"c": STR, "d": INT}, "required": ["c"]})),  # forbids no more
    (_event(b={"type": "array", "items": {**INT, "minimum": 0}}), _event(b={"type": "array", "items": INT})),
    (_event(b={"type": "object", "additionalProperties": INT}),
     _event(b={"type": "object", "additionalProperties": {}})),
    (_event(b={}), _event(b={})),
])
def test_compatible_changes(old, new):
    assert incompatibilities(old, new) == []


@pytest.mark.parametrize("old, new, problem", [
    (_event(), _event(("a", "b"), b=STR), "required field 'b' added"),
    (_event(("a", "b"), b=STR), _event(), "required field 'b' removed"),
    (_event(b=INT), _event(b=STR), "field 'b' changed type (integer -> string)"),
    (_event(b={**STR, "format": "date"}), _event(b={**STR, "format": "date-time"}),
     "field 'b' changed format ('date' -> 'date-time')"),
    (_event(b=STR), _event(b={**STR, "pattern": "^\\d+$"}), "field 'b' changed pattern (none -> '^\\\\d+$')"),
    (_event(b={"anyOf": [INT, NULL]}), _event(b=INT), "field 'b' narrowed: null no longer accepted"),
    (_event(b={**STR, "enum": ["x", "y"]}), _event(b={**STR, "enum": ["x"]}),
     "field 'b' narrowed: no longer accepts \"y\""),
    (_event(b=STR), _event(b={**STR, "enum": ["x"]}), "field 'b' narrowed: no longer accepts any value"),
    (_event(b={**INT, "minimum": 0}), _event(b={**INT, "minimum": 1}), "field 'b' narrowed: minimum 0 -> 1"),
    (_event(b=INT), _event(b={**INT, "maximum": 10}), "field 'b' narrowed: maximum none -> 10"),
    (_event(b={**STR, "maxLength": 10}), _event(b={**STR, "maxLength": 5}), "field 'b' narrowed: maxLength 10 -> 5"),
    (_event(("a",), b={**STR, "default": ""}), _event(("a", "b"), b=STR), "field 'b' narrowed: it became required"),
    (_event(b={"type": "number"}), _event(b=INT), "field 'b' narrowed: number no longer accepted"),
    (_event(b={"type": "object", "properties": {"c": STR}, "required": []}),
     _event(b={"type": "object", "properties": {"c": STR, "d": INT}, "required": ["d"]}), "required field 'b.d' added"),
    (_event(b={"type": "array", "items": {"type": "object", "properties": {"c": STR}, "required": ["c"]}}),
     _event(b={"type": "array", "items": {"type": "object", "properties": {"c": INT}, "required": ["c"]}}),
     "field 'b[].c' changed type (string -> integer)"),
    (_event(b={"type": "array", "items": STR}), _event(b={"type": "array", "items": STR, "uniqueItems": True}),
     "field 'b' changed uniqueItems (None -> True)"),
])
def test_incompatible_changes_name_the_field_and_what_changed(old, new, problem):
    assert incompatibilities(old, new) == [problem]
