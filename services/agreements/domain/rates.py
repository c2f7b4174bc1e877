"""Rates: which price applies to a visit on a given day and time, and how rate cards follow each other."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from contracts.agreements import (DAY_FROM, EVENING_FROM, NIGHT_FROM, DayCategory, Rate,  # noqa: F401
                                   TimeBand, day_category_of, time_band_of)
from contracts.common import RateUnit, ServiceType
from shared.calendar import is_bank_holiday
from services.agreements.domain.errors import Conflict, Rejected

# Bands and day categories are the contract's own words, defined once in contracts.agreements.


def rate_for(rates: Sequence[Rate], day: date, start: time | None = None) -> Rate | None:
    """The most specific rate for `day` (and a visit starting at `start`).

    Preference: band and day category both match, then day category only (a bank-holiday premium
    outranks a band), then band only, then the standard rate. None when nothing applies.
    """
    category = day_category_of(day)
    band = time_band_of(start) if start is not None else None
    for wanted in ((band, category), (None, category), (band, None), (None, None)):
        for rate in rates:
            if (rate.time_band, rate.day_category) == wanted:
                return rate
    return None


def check_rates(rates: Sequence[Rate], field: str = "rates") -> RateUnit:
    """One unit, no two prices for the same band and day; returns the unit."""
    if not rates:
        raise Rejected(field, "give at least one rate")
    units = {r.unit for r in rates}
    if len(units) > 1:
        raise Rejected(field, f"all rates must be in one unit, got {', '.join(sorted(units))}")
    seen: set[tuple] = set()
    for rate in rates:
        key = (rate.time_band, rate.day_category)
        if key in seen:
            raise Rejected(field, f"two rates for band {rate.time_band} and day {rate.day_category}")
        seen.add(key)
    return units.pop()


def standard_rate(rates: Sequence[Rate]) -> Rate:
    """The everyday price: the standard rate, else the weekday daytime one, else the cheapest."""
    for wanted in ((None, None), (TimeBand.DAY, DayCategory.WEEKDAY), (None, DayCategory.WEEKDAY),
                   (TimeBand.DAY, None)):
        for rate in rates:
            if (rate.time_band, rate.day_category) == wanted:
                return rate
    return min(rates, key=lambda r: r.amount_pence)


@dataclass(frozen=True)
class RateCard:
    """A provider's prices for one service type and unit, in force from/to (inclusive) dates."""

    rate_card_id: str
    provider_id: str
    service_type: ServiceType
    unit: RateUnit
    effective_from: date
    effective_to: date | None
    rates: tuple[Rate, ...]

    @classmethod
    def new(cls, provider_id: str, service_type: ServiceType, effective_from: date, effective_to: date | None,
            rates: Sequence[Rate]) -> "RateCard":
        unit = check_rates(rates)
        if effective_to is not None and effective_to < effective_from:
            raise Rejected("effective_to", "must not be before effective_from")
        return cls(f"RC-{uuid.uuid4().hex[:10].upper()}", provider_id, service_type, unit, effective_from,
                   effective_to, tuple(rates))

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def cards_to_close(existing: Sequence[RateCard], new: RateCard) -> list[tuple[str, date]]:
    """Which earlier cards the new one ends, and on what day; Conflict if it would overlap.

    A new card for the same service type and unit closes an open-ended earlier card the day
    before it starts (the usual annual uplift). Any other overlap is refused: one day, one price.
    """
    closing: list[tuple[str, date]] = []
    for card in existing:
        if (card.service_type, card.unit) != (new.service_type, new.unit):
            continue
        new_to = new.effective_to or date.max
        card_to = card.effective_to or date.max
        if card_to < new.effective_from or new_to < card.effective_from:
            continue
        if card.effective_to is None and card.effective_from < new.effective_from:
            closing.append((card.rate_card_id, new.effective_from - timedelta(days=1)))
            continue
        raise Conflict("effective_from", f"overlaps rate card {card.rate_card_id} "
                                         f"({card.effective_from} to {card.effective_to or 'open'})",
                       code="rate_card_overlaps")
    return closing


def card_in_force(cards: Sequence[RateCard], service_type: ServiceType, day: date) -> RateCard | None:
    """The card for `service_type` in force on `day` (the latest starting, should units differ)."""
    candidates = [c for c in cards if c.service_type == service_type and c.in_force_on(day)]
    return max(candidates, key=lambda c: c.effective_from, default=None)
