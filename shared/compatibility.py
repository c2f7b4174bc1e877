"""Which changes to an event's schema its readers survive within one SCHEMA_VERSION.

Readers are tolerant (`contracts.tolerant`): a field they do not know is ignored. Comparing the
committed schema of a version (`old`) with the code's (`new`), field by field and into nested objects:

Compatible
- an optional field (one with a default) added: old readers ignore it, new readers of old events
  take its default;
- an optional field removed: old readers take its default, new readers ignore it in old events;
- widening: a field accepts all it accepted and more (another type such as null, another enum value,
  a looser bound, a required field made optional). New readers read every old event; old readers
  refuse the new values, so no producer may send them before every consumer runs the widened contract
  (the released-contract test, tests/unit/contracts, fails while current payloads can carry them).

Incompatible (a new SCHEMA_VERSION, published beside the old one)
- a required field added: old events lack it;
- a required field removed: old readers need it;
- a type changed (integer -> string, a date -> a date-time);
- narrowing: an optional field made required, a type, enum value or looser bound taken away, a
  format or pattern imposed.

Descriptions, titles, examples and defaults may change freely. `additionalProperties: false` says
nothing to a tolerant reader and is not compared.
"""
from __future__ import annotations

import json
import math
from typing import Any

Schema = dict[str, Any]

# Words about a value that constrain nothing it may be.
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly",
                          "$comment"})
# Words compared below; any other word that differs between two versions is reported as a change.
_COMPARED = frozenset({"type", "anyOf", "enum", "const", "format", "pattern", "minLength", "maxLength",
                       "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "items", "minItems",
                       "maxItems", "properties", "required", "additionalProperties"})


def incompatibilities(old: Schema, new: Schema) -> list[str]:
    """Every way `new` breaks the readers or the events of `old` (empty: compatible), each naming the field."""
    return _object(old, new, "")


def _object(old: Schema, new: Schema, path: str) -> list[str]:
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name in sorted(old_props.keys() | new_props.keys()):
        where = f"{path}{name}"
        if name not in new_props:
            if name in old_required:
                problems.append(f"required field {where!r} removed")
        elif name not in old_props:
            if name in new_required:
                problems.append(f"required field {where!r} added")
        else:
            if name in new_required and name not in old_required:
                problems.append(f"field {where!r} narrowed: it became required")
            problems += _value(old_props[name], new_props[name], where)
    old_values, new_values = old.get("additionalProperties"), new.get("additionalProperties")
    if isinstance(old_values, dict) and isinstance(new_values, dict):  # a mapping's values
        problems += _value(old_values, new_values, f"{path.rstrip('.') or '(event)'}.*")
    return problems


def _value(old: Schema, new: Schema, where: str) -> list[str]:
    """How `new` fails to accept every value `old` accepts."""
    old_branches, new_branches = _branches(old), _branches(new)
    if any(_kind(b) == "any" for b in new_branches):
        return []
    old_kinds, new_kinds = {_kind(b) for b in old_branches}, {_kind(b) for b in new_branches}
    if not _overlap(old_kinds, new_kinds):
        return [f"field {where!r} changed type ({_names(old_kinds)} -> {_names(new_kinds)})"]
    problems = []
    for branch in old_branches:
        kind = _kind(branch)
        candidates = [b for b in new_branches if _kind(b) == kind or (kind == "integer" and _kind(b) == "number")]
        if not candidates:
            problems.append(f"field {where!r} narrowed: {kind} no longer accepted")
            continue
        found = [_same_kind(branch, b, where) for b in candidates]
        if all(found):
            problems += min(found, key=len)
    return problems


def _same_kind(old: Schema, new: Schema, where: str) -> list[str]:
    problems = []
    old_values, new_values = _allowed(old), _allowed(new)
    if new_values is not None and (old_values is None or not old_values <= new_values):
        lost = "any value" if old_values is None else ", ".join(sorted(old_values - new_values))
        problems.append(f"field {where!r} narrowed: no longer accepts {lost}")
    for word in ("format", "pattern"):
        if word in new and new[word] != old.get(word):
            was = f"{old[word]!r}" if word in old else "none"
            problems.append(f"field {where!r} changed {word} ({was} -> {new[word]!r})")
    for word, lower in (("minLength", True), ("maxLength", False), ("minItems", True), ("maxItems", False)):
        if _tighter(old.get(word), new.get(word), lower):
            problems.append(f"field {where!r} narrowed: {word} {old.get(word)} -> {new[word]}")
    if _kind(old) in ("integer", "number"):
        for lower in (True, False):
            before, after = _bound(old, lower), _bound(new, lower)
            if _tighter(before, after, lower):
                side = "minimum" if lower else "maximum"
                problems.append(f"field {where!r} narrowed: {side} {_said(before)} -> {_said(after)}")
    if "items" in old or "items" in new:
        problems += _value(old.get("items", {}), new.get("items", {}), f"{where}[]")
    if _kind(old) == "object":
        problems += _object(old, new, f"{where}.")
    for word in sorted((old.keys() | new.keys()) - _ANNOTATIONS - _COMPARED):
        if old.get(word) != new.get(word):
            problems.append(f"field {where!r} changed {word} ({old.get(word)!r} -> {new.get(word)!r})")
    return problems


def _branches(schema: Schema) -> list[Schema]:
    """The alternatives a value may take: `anyOf` and `type` lists spread out, each with the other words."""
    if "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return [b for option in schema["anyOf"] for b in _branches({**rest, **option})]
    if isinstance(schema.get("type"), list):
        return [{**schema, "type": t} for t in schema["type"]]
    return [schema]


def _kind(schema: Schema) -> str:
    if "type" in schema:
        return schema["type"]
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if values:
        return _json_type(values[0])
    if "properties" in schema:
        return "object"
    return "any"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {int: "integer", float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "any")


def _overlap(old: set[str], new: set[str]) -> bool:
    numbers = {"integer", "number"}
    return bool(old & new) or bool(old & numbers and new & numbers)


def _names(kinds: set[str]) -> str:
    return " | ".join(sorted(kinds))


def _allowed(schema: Schema) -> set[str] | None:
    """The values a branch is limited to (as JSON text, to compare any kind), or None when not listed."""
    if "const" in schema:
        return {json.dumps(schema["const"])}
    if "enum" in schema:
        return {json.dumps(v) for v in schema["enum"]}
    return None


def _bound(schema: Schema, lower: bool) -> tuple[float, bool] | None:
    """(bound, exclusive) on the low or high side, None when unbounded; an integer's exclusive bound made inclusive."""
    inclusive, exclusive = ("minimum", "exclusiveMinimum") if lower else ("maximum", "exclusiveMaximum")
    found: tuple[float, bool] | None = None
    if inclusive in schema:
        found = (schema[inclusive], False)
    if exclusive in schema and (found is None or _tighter(found, (schema[exclusive], True), lower)):
        found = (schema[exclusive], True)
    if found is not None and found[1] and schema.get("type") == "integer" and float(found[0]).is_integer():
        found = (found[0] + 1 if lower else found[0] - 1, False)
    return found


def _tighter(before: Any, after: Any, lower: bool) -> bool:
    """Whether the bound `after` lets fewer values through than `before` (None: no bound)."""
    if after is None:
        return False
    if before is None:
        return True
    if isinstance(before, tuple):
        (b, b_excl), (a, a_excl) = before, after
        if a == b:
            return a_excl and not b_excl
        return a > b if lower else a < b
    return after > before if lower else after < before


def _said(bound: tuple[float, bool] | None) -> str:
    if bound is None:
        return "none"
    value, exclusive = bound
    text = str(int(value)) if isinstance(value, float) and math.isfinite(value) and value.is_integer() else str(value)
    return f"{text} (exclusive)" if exclusive else text
