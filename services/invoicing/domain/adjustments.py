"""Corrections to weeks already confirmed, as delivery sends them with a later week's actuals.

An adjustment says a visit and carer's amount changed by a delta at a new revision. Applied to
the line invoicing holds it gives the line as it now stands; a revision not newer than the line's
was applied before (an event seen twice), so it changes nothing. A line invoicing never held (a
carer verified late) is built from the adjustment: its date comes from the visit key
(`<agreement_id>/<planned local start>`), or the week's Monday when the key cannot be read.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from shared.money import round_half_up


class HeldVisit(NamedTuple):
    """A confirmed visit line as invoicing stores it."""

    agreement_id: str
    week_start: date
    visit_key: str
    visit_id: str
    carer_id: str
    local_date: date
    payable_minutes: int
    rate_pence_per_hour: int
    amount_pence: int
    revision: int


class Adjustment(NamedTuple):
    agreement_id: str
    week_start: date
    visit_key: str
    carer_id: str
    amount_pence_delta: int
    revision: int


def _date_in_key(visit_key: str, fallback: date) -> date:
    start = visit_key.rsplit("/", 1)[-1]
    try:
        return datetime.fromisoformat(start).date()
    except ValueError:
        return fallback


def apply_adjustment(held: HeldVisit | None, adjustment: Adjustment) -> HeldVisit | None:
    """The line after the adjustment, or None when the adjustment is not newer than the line."""
    if held is not None and adjustment.revision <= held.revision:
        return None
    if held is None:
        visit_id = adjustment.visit_key.rsplit("/", 1)[-1]
        held = HeldVisit(adjustment.agreement_id, adjustment.week_start, adjustment.visit_key, visit_id,
                         adjustment.carer_id, _date_in_key(adjustment.visit_key, adjustment.week_start), 0, 0, 0, 0)
    amount = max(0, held.amount_pence + adjustment.amount_pence_delta)
    # The adjustment carries money, not minutes: minutes follow the amount at the line's hourly rate.
    minutes = round_half_up(amount * 60, held.rate_pence_per_hour) if held.rate_pence_per_hour else held.payable_minutes
    return held._replace(amount_pence=amount, payable_minutes=minutes, revision=adjustment.revision)
