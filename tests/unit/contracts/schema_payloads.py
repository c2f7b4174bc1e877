"""Payloads a JSON schema admits, as hypothesis strategies, for the schemas pydantic writes for our events.

Only the words those schemas use are understood; a schema with any other word is refused with its
name (generating from part of a schema would produce what it forbids, or miss what it allows). Values
are realistic enough for the models' own parsing: dates and times as pydantic writes them, short
printable identifiers, optional fields sometimes left out. Extra properties are never added: a reader
ignores those (contracts.tolerant), and the released-contract test adds its own.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timezone
from typing import Any

from hypothesis import strategies as st

ANNOTATIONS = frozenset({"title", "description", "examples", "default", "deprecated", "$comment",
                         "additionalProperties"})  # additionalProperties: none generated; any value may be a dict's
UNDERSTOOD = ANNOTATIONS | {"type", "anyOf", "enum", "const", "format", "pattern", "minLength", "maxLength",
                            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "items", "minItems",
                            "maxItems", "properties", "required"}

_LETTERS = st.characters(codec="ascii", categories=("L", "N"), include_characters="-_ ")
TEXT = st.text(_LETTERS, max_size=12)
_FORMATS = {
    "date": st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(date.isoformat),
    "date-time": st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(timezone.utc))
                   .map(datetime.isoformat),
    "partial-time": st.times().map(time.isoformat),  # a wall-clock time without offset (contracts.agreements)
    "uuid": st.uuids().map(str),
}
_ANY_JSON = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), TEXT)
_PARTIAL_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d{1,6})?")


def payloads(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values `schema` admits (JSON: dicts, lists, strings, numbers, booleans, None)."""
    unknown = set(schema) - UNDERSTOOD
    if unknown:
        raise ValueError(f"schema word(s) {sorted(unknown)} are not generated here (in {schema.get('title', schema)})")
    if "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        options = [{**rest, **option} for option in schema["anyOf"]]
        numbers = [o for o in options if o.get("type") == "number"]
        if numbers:  # a Decimal: a number, or the same number written as text (not any text, as its schema says)
            options = [o for o in options if o.get("type") != "string" or set(o) - ANNOTATIONS - {"type"}]
            return st.one_of([payloads(o) for o in options] + [_number(numbers[0], "number").map(str)])
        return st.one_of([payloads(o) for o in options])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([payloads({**schema, "type": k}) for k in kind])
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(payloads(schema.get("items", {})), min_size=low, max_size=schema.get("maxItems", low + 3))
    if kind == "object":
        return _object(schema)
    if kind is None and set(schema) <= ANNOTATIONS:  # any value
        return _ANY_JSON
    raise ValueError(f"schema type {kind!r} is not generated here (in {schema.get('title', schema)})")


def is_partial_time(text: str) -> bool:
    """The check of the `partial-time` format (RFC 3339: a time of day without offset), for jsonschema_rs."""
    if not _PARTIAL_TIME.fullmatch(text):
        return False
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if "format" in schema:
        if schema["format"] not in _FORMATS:
            raise ValueError(f"string format {schema['format']!r} is not generated here")
        return _FORMATS[schema["format"]]
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True, alphabet=st.characters(codec="ascii"))  # ECMA \d: 0-9
    low = schema.get("minLength", 0)
    return st.text(_LETTERS, min_size=low, max_size=schema.get("maxLength", low + 12))


def _number(schema: dict[str, Any], kind: str) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind == "integer":
        if "exclusiveMinimum" in schema:
            low = max(low, schema["exclusiveMinimum"] + 1) if low is not None else schema["exclusiveMinimum"] + 1
        if "exclusiveMaximum" in schema:
            high = min(high, schema["exclusiveMaximum"] - 1) if high is not None else schema["exclusiveMaximum"] - 1
        return st.integers(low, high)
    # Our numbers are Decimals of hours or units, to 2 places (places a schema does not state): hundredths.
    low_cents = None if low is None else math.ceil(low * 100)
    high_cents = None if high is None else math.floor(high * 100)
    if "exclusiveMinimum" in schema:
        low_cents = max(math.floor(schema["exclusiveMinimum"] * 100) + 1, low_cents or -10**9)
    if "exclusiveMaximum" in schema:
        high_cents = min(math.ceil(schema["exclusiveMaximum"] * 100) - 1, high_cents or 10**9)
    return st.integers(low_cents, high_cents).map(lambda cents: cents / 100)


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    if not properties:  # a mapping (dict[str, X]) or any object
        values = schema.get("additionalProperties")
        return st.dictionaries(TEXT, payloads(values) if isinstance(values, dict) else _ANY_JSON, max_size=3)
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries({name: payloads(s) for name, s in properties.items() if name in required},
                                 optional={name: payloads(s) for name, s in properties.items() if name not in required})
