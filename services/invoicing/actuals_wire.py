"""PeriodActualsConfirmed read straight into dicts, for the volume self-billing takes in.

A county's four weeks is ~700,000 lines. Validating them into the contract's models and copying
those into rows cost ~19 µs a line here; validating the same JSON against TypedDicts made from
the contract's own fields (types, constraints, no extra keys) costs ~4 µs, and rows come out of
the dicts by `itemgetter`. The TypedDicts are derived from the contract, not written again, so
they cannot drift from it; a unit test holds them to accepting and refusing what it does.
"""
from __future__ import annotations

from operator import itemgetter
from pydantic import TypeAdapter

from contracts import delivery as contract
from contracts.envelope import Envelope
from shared.wire import wire_of


LineWire = wire_of(contract.ActualsLine, "ActualsLineWire")
ConfirmedWire = wire_of(contract.PeriodActualsConfirmed, "PeriodActualsConfirmedWire", lines=list[LineWire])
EnvelopeWire = wire_of(Envelope[contract.PeriodActualsConfirmed], "PeriodActualsConfirmedEnvelopeWire",
                       payload=ConfirmedWire)
ENVELOPE = TypeAdapter(EnvelopeWire)

# A line's cells in the order of the stored visit row after (agreement_id, week_start).
line_cells = itemgetter("visit_key", "visit_id", "carer_id", "local_date", "payable_minutes", "rate_pence_per_hour",
                        "amount_pence", "revision")
