"""Tolerant reading: a reader ignores the fields its version of the contract does not know.

Every model in contracts/ refuses unknown fields when it is BUILT (`extra="forbid"`): a producer's
misspelt field fails in its own tests, and an API body that embeds a contract value (a `Rate`, a
`ScheduledVisit`) stays strict. An event is READ with `read`: a field the reader does not know, added
by a producer deployed before it (an optional field added is compatible:
`shared.compatibility.incompatibilities`), is dropped, never kept nor published again, and its path
is handed back so the consumer can count it (`carepay_event_unknown_fields_total`, shared.tolerance).

Reading costs nothing extra while events carry only the fields the reader knows: the strict reading
is tried first, and the event is read again ignoring unknown fields only when they were among what was
wrong. Anything else that is wrong (a missing field, a wrong type) still fails, with the error of the
tolerant reading (which names only that).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

T = TypeVar("T")


def read(validate: Callable[..., T], data: Any) -> tuple[T, tuple[str, ...]]:
    """`validate(data)` reading past unknown fields: the value, and the dotted paths of the fields it
    ignored ("payload.lines.note"; list positions left out), sorted, empty when there were none.

    `validate` is a model's `model_validate`/`model_validate_json` or a TypeAdapter's
    `validate_python`/`validate_json` (anything taking pydantic's `extra=` override).
    Raises the ValidationError of anything wrong besides unknown fields."""
    try:
        return validate(data), ()
    except ValidationError as strict:
        unknown = unknown_fields(strict)
        if not unknown:
            raise
    return validate(data, extra="ignore"), unknown


def unknown_fields(error: ValidationError) -> tuple[str, ...]:
    """The dotted paths of the fields `error` refused as unknown (pydantic's `extra_forbidden`)."""
    return tuple(sorted({".".join(str(part) for part in e["loc"] if not isinstance(part, int))
                         for e in error.errors(include_url=False, include_context=False, include_input=False)
                         if e["type"] == "extra_forbidden"}))
