"""Committed spend and budgets as weekly rates in force over time.

Agreements publishes each person's forecast (CommitmentChanged: the weekly cost of each agreement
and direct payment, as of a day). The rate of an agreement applies from that day until the next
forecast for it, never before the agreement starts, after it ends, or while it is suspended. A
budget applies from its own effective day (else the day it was agreed); a budget agreed later
replaces what earlier ones said from its effective day on. Rates are stored as their changes
(+r on the first day, -r on the day after the last), so an open-ended agreement needs no rows per
future period; a period's figure is the rate summed over its days / 7, rounded half up to the penny.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from shared.money import round_half_up
from services.reporting.domain.aggregates import NOT_BY_MECHANISM, Contribution, Dims
from services.reporting.domain.dims import AgreementDim

WEEK_DAYS = 7


@dataclass(frozen=True)
class Window:
    """When an agreement is payable: [start, end] less each [suspended_from, resumed_on)."""

    start: date | None = None
    end: date | None = None
    suspensions: tuple[tuple[date, date | None], ...] = ()


@dataclass(frozen=True)
class Rate:
    as_of: date
    weekly_pence: int


Interval = tuple[date, date | None, int]  # [from, until) with a weekly rate; until None = open-ended


def intervals(rates: Sequence[Rate], window: Window | None = None) -> list[Interval]:
    """Where each rate is in force, clipped to the window and cut by its suspensions."""
    ordered = sorted(rates, key=lambda r: r.as_of)
    raw = [(r.as_of, ordered[i + 1].as_of if i + 1 < len(ordered) else None, r.weekly_pence)
           for i, r in enumerate(ordered)]
    window = window or Window()
    out: list[Interval] = []
    for first, until, rate in raw:
        if rate == 0:
            continue
        if window.start is not None:
            first = max(first, window.start)
        if window.end is not None:
            stop = window.end + timedelta(days=1)
            until = stop if until is None else min(until, stop)
        pieces = [(first, until)]
        for off, back in window.suspensions:
            pieces = [part for a, b in pieces for part in _cut(a, b, off, back)]
        out.extend((a, b, rate) for a, b in pieces if b is None or a < b)
    return out


def _cut(a: date, b: date | None, off: date, back: date | None) -> list[tuple[date, date | None]]:
    """[a, b) without [off, back)."""
    if (b is not None and b <= off) or (back is not None and back <= a):
        return [(a, b)]
    parts: list[tuple[date, date | None]] = []
    if a < off:
        parts.append((a, off))
    if back is not None and (b is None or back < b):
        parts.append((back, b))
    return parts


def steps(spans: Sequence[Interval]) -> dict[date, int]:
    """The changes of the weekly rate, by the day they take effect."""
    out: dict[date, int] = defaultdict(int)
    for first, until, rate in spans:
        out[first] += rate
        if until is not None:
            out[until] -= rate
    return {d: v for d, v in out.items() if v}


def commitment_contributions(spans: Sequence[Interval], dims: Dims) -> list[Contribution]:
    """An agreement's rate changes, in the provider grain, its person's grain and its cost centre's grain."""
    out = []
    for day, delta in steps(spans).items():
        for grain, group in (("provider", ""), ("person", dims.person_ref), ("cost_centre", dims.cost_centre)):
            out.append(Contribution("commitment_step", (grain, group, dims.service_type, dims.provider_id,
                                                        dims.mechanism, day), (delta,)))
    return out


def agreement_commitment(spans: Sequence[Interval], dim: AgreementDim) -> list[Contribution]:
    """What an agreement or direct payment commits, under its mechanism on each day.

    An agreement a council-managed account funds commits nothing of its own: the managed direct
    payment's line is the money set aside for it (and for the account's personal assistants), so
    counting both would count it twice. A direct payment whose mechanism changed (a variation of its
    nominee) commits under each mechanism from the day it took effect."""
    if dim.funded_by is not None:
        return []
    if len(dim.since) < 2:
        return commitment_contributions(spans, replace(dim.dims, mechanism=dim.mechanism_on(date.min)))
    pieces: list[Interval] = list(spans)
    for change, _ in dim.since[1:]:
        pieces = [part for a, b, rate in pieces for part in _split(a, b, rate, change)]
    by_mechanism: dict[str, list[Interval]] = defaultdict(list)
    for piece in pieces:
        by_mechanism[dim.mechanism_on(piece[0])].append(piece)
    return [c for mechanism, parts in sorted(by_mechanism.items())
            for c in commitment_contributions(parts, replace(dim.dims, mechanism=mechanism))]


def _split(a: date, b: date | None, rate: int, day: date) -> list[Interval]:
    """[a, b) cut at `day` when it falls inside."""
    if a < day and (b is None or day < b):
        return [(a, day, rate), (day, b, rate)]
    return [(a, b, rate)]


def budget_contributions(person_ref: str, spans: Sequence[Interval]) -> list[Contribution]:
    return [Contribution("commitment_step", ("budget", person_ref, "", "", NOT_BY_MECHANISM, day), (delta,))
            for day, delta in steps(spans).items()]


def pence_over(rate_days: int) -> int:
    """A rate summed over days (weekly pence x days) as pence: / 7, half up."""
    return round_half_up(rate_days, WEEK_DAYS)


def integrate(changes: Sequence[tuple[date, int]], first: date, last: date) -> int:
    """Pence-days of a step function (its changes by day) over [first, last]; for tests and checks."""
    total, rate = 0, 0
    ordered = sorted(changes)
    for i, (day, delta) in enumerate(ordered):
        rate += delta
        start = max(day, first)
        stop = min(ordered[i + 1][0] if i + 1 < len(ordered) else last + timedelta(days=1),
                   last + timedelta(days=1))
        if stop > start:
            total += rate * (stop - start).days
    return total


Budget = tuple[object, date, date | None, int, int]  # agreed_at, agreed_on, effective_from, weekly, contribution


def budget_rates(budgets: Sequence[Budget]) -> list[Rate]:
    """The budget in force from each day: each budget from its effective day (else the day agreed), in
    the order agreed, replacing what earlier ones said for that day and every day after."""
    by_day: dict[date, int] = {}
    for _agreed_at, agreed_on, effective_from, weekly, _contribution in sorted(budgets, key=lambda b: b[0]):
        day = effective_from or agreed_on
        by_day = {d: w for d, w in by_day.items() if d < day} | {day: weekly}
    return [Rate(day, weekly) for day, weekly in sorted(by_day.items())]
