"""PeriodActualsConfirmed read straight into dicts, for the volume self-billing takes in.

A county's four weeks is ~700,000 lines. Validating them into the contract's models and copying
those into rows cost ~19 µs a line here; validating the same JSON against TypedDicts made from
the contract's own fields (types, constraints, no extra keys) costs ~4 µs, and rows come out of
the dicts by `itemgetter`. The TypedDicts are derived from the contract, not written again, so
they cannot drift from it; a unit test holds them to accepting and refusing what it does.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter
from typing_extensions import NotRequired, TypedDict

from contracts import delivery as contract
from contracts.envelope import Envelope


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


LineWire = wire_of(contract.ActualsLine, "ActualsLineWire")
ConfirmedWire = wire_of(contract.PeriodActualsConfirmed, "PeriodActualsConfirmedWire", lines=list[LineWire])
EnvelopeWire = wire_of(Envelope[contract.PeriodActualsConfirmed], "PeriodActualsConfirmedEnvelopeWire",
                       payload=ConfirmedWire)
ENVELOPE = TypeAdapter(EnvelopeWire)

# A line's cells in the order of the stored visit row after (agreement_id, week_start).
line_cells = itemgetter("visit_key", "visit_id", "carer_id", "local_date", "payable_minutes", "rate_pence_per_hour",
                        "amount_pence", "revision")
