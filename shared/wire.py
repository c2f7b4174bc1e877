"""Events read straight into dicts on the hottest consumer paths, checked against the contract itself.

Validating JSON into a contract's pydantic models (and an Envelope around them) costs tens of
microseconds an event; validating the same JSON against TypedDicts made from the contract's own
fields (types, constraints, no extra keys) costs a few. The TypedDicts are derived from the
models, not written again, so they cannot drift from them. Like the models, they refuse unknown keys
when used as they are; consumers read them with `contracts.tolerant.read`, which ignores (and names)
the keys the contract does not know, as every consumer does.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict
from typing_extensions import NotRequired, TypedDict


def wire_of(model: type[BaseModel], name: str, **replacing: Any) -> type:
    """A TypedDict with `model`'s fields (types and constraints, optional ones optional), refusing
    keys the model refuses; `replacing` swaps a field's type (a nested model for its wire form)."""
    fields: dict[str, Any] = {}
    for field_name, field in model.model_fields.items():
        annotation = replacing.get(field_name, field.annotation)
        if field.metadata:
            annotation = Annotated[(annotation, *field.metadata)]  # type: ignore[misc]
        fields[field_name] = annotation if field.is_required() else NotRequired[annotation]  # type: ignore[misc]
    wire = TypedDict(name, fields)  # type: ignore[operator]
    wire.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return wire
