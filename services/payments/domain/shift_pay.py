"""A personal assistant's shift, cut into time bands and priced at the PA's rates.

A shift runs from `start` on its work date to `end` (London wall-clock times); an `end` at or before
`start` on the clock is on the next day (an overnight shift). It is cut at every band boundary
(`contracts.agreements.time_band_of`: day 07:00-19:00, evening 19:00-22:00, night 22:00-07:00) and at
midnight, so each piece lies in one band on one day. A piece counts real minutes (a night across a clock
change is paid for what was worked).

Each piece is priced at the PA's rate for its band on its kind of day
(`contracts.agreements.day_category_of`: a bank holiday counts as one even on a weekend) when the PA has
one, else at the band's rate for every day. The pieces of one shift at the same band and rate are added
up and priced once: minutes x hourly pence / 60, rounded half up.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from contracts.agreements import DAY_FROM, EVENING_FROM, NIGHT_FROM, DayCategory, TimeBand, day_category_of, \
    time_band_of
from shared.clock import LONDON, london_local
from shared.money import round_half_up

# Where a shift is cut: midnight (the kind of day may change) and the bands' starts.
CUTS = (time(0), DAY_FROM, EVENING_FROM, NIGHT_FROM)
BANDS = (TimeBand.DAY, TimeBand.EVENING, TimeBand.NIGHT)


@dataclass(frozen=True, slots=True)
class Rate:
    """An hourly rate for one band, on one kind of day (`day_category`) or on every day (None)."""

    band: TimeBand
    day_category: DayCategory | None
    hourly_pence: int


@dataclass(frozen=True, slots=True)
class Piece:
    """Part of a shift inside one band on one (local) day."""

    band: TimeBand
    day: date
    starts_at: datetime
    ends_at: datetime

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class BandPay:
    """A shift's minutes in one band at one rate, and their price (rounded once)."""

    band: TimeBand
    day_category: DayCategory | None  # the rate's: None when the band's every-day rate applied
    hourly_pence: int
    minutes: int
    pence: int


def shift_instants(work_date: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The shift's start and end as UTC instants; an end not after the start on the clock is the next day."""
    ends_on = work_date if end > start else work_date + timedelta(days=1)
    return london_local(datetime.combine(work_date, start)), london_local(datetime.combine(ends_on, end))


def pieces_of(starts_at: datetime, ends_at: datetime) -> list[Piece]:
    """The shift cut at midnight and at each band boundary between its start and its end."""
    first, last = starts_at.astimezone(LONDON).date(), ends_at.astimezone(LONDON).date()
    cuts = sorted({london_local(datetime.combine(first + timedelta(days=n), cut))
                   for n in range((last - first).days + 1) for cut in CUTS})
    points = [starts_at, *(c for c in cuts if starts_at < c < ends_at), ends_at]
    pieces = []
    for begin, finish in zip(points, points[1:]):
        local = begin.astimezone(LONDON)
        pieces.append(Piece(time_band_of(local.time()), local.date(), begin, finish))
    return pieces


def rate_for(rates: Iterable[Rate], band: TimeBand, day: date) -> Rate | None:
    """The PA's rate for `band` on `day`'s kind of day, else for `band` on every day (None: neither)."""
    category = day_category_of(day)
    every_day = None
    for rate in rates:
        if rate.band is band and rate.day_category is category:
            return rate
        if rate.band is band and rate.day_category is None:
            every_day = rate
    return every_day


def price(pieces: Sequence[Piece], rates: Sequence[Rate]) -> tuple[list[BandPay], list[Piece]]:
    """The shift's pay by band and rate, and the pieces no rate of the PA covers (unpriced)."""
    minutes: dict[tuple[TimeBand, DayCategory | None, int], int] = {}
    unpriced = []
    for piece in pieces:
        rate = rate_for(rates, piece.band, piece.day)
        if rate is None:
            unpriced.append(piece)
            continue
        key = (rate.band, rate.day_category, rate.hourly_pence)
        minutes[key] = minutes.get(key, 0) + piece.minutes
    paid = [BandPay(band, category, hourly, m, round_half_up(m * hourly, 60))
            for (band, category, hourly), m in minutes.items()]
    paid.sort(key=lambda b: (BANDS.index(b.band), b.day_category or "", b.hourly_pence))
    return paid, unpriced
