"""Money attributed to the days it pays for, split into weeks and months.

An invoice pays for days: each of its agreements' charged days (first to last day, with that
agreement's share of the amount), or else the invoice's whole period. A figure (invoiced, paid) is
spread over those days in proportion: evenly over each span's days, spans by their amounts (evenly by
days when none has an amount). A four-week invoice therefore counts a quarter in each of its weeks.

Each figure is rounded once: the periods' running totals are rounded half up and each period gets
the difference of consecutive running totals, so the parts sum exactly to the figure and each is
within a penny of its exact share.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

from shared.money import split_pence as shared_split
from services.reporting.domain.periods import PeriodKind, next_period_start, period_start

Span = tuple[date, date, int]  # first day, last day (inclusive), weight (pence) spread evenly over its days


def _half_up(value: Fraction) -> int:
    """A non-negative fraction rounded half up."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def weighed(spans: Sequence[Span]) -> tuple[list[Span], int]:
    """The spans money is spread over and their total weight: spans with days (first <= last) weighted by
    their amounts, or by their days when none has a positive amount; spans of no positive weight dropped."""
    spans = [s for s in spans if s[0] <= s[1]]
    if sum(max(s[2], 0) for s in spans) <= 0:
        spans = [(a, b, (b - a).days + 1) for a, b, _ in spans]
    kept = [s for s in spans if s[2] > 0]
    return kept, sum(s[2] for s in kept)


def shares(spans: Sequence[Span], kind: PeriodKind) -> dict[date, Fraction]:
    """Each period's exact share (summing to 1) of money paying for `spans`."""
    spans, total = weighed(spans)
    out: dict[date, Fraction] = defaultdict(Fraction)
    for first, last, weight in spans:
        days = (last - first).days + 1
        start = period_start(kind, first)
        while start <= last:
            stop = min(next_period_start(kind, start) - timedelta(days=1), last)
            out[start] += Fraction(weight * ((stop - max(start, first)).days + 1), days * total)
            start = next_period_start(kind, start)
    return dict(out)


def spread(pence: int, parts: dict[date, Fraction]) -> dict[date, int]:
    """`pence` split by the periods' shares, rounded once (parts sum exactly to `pence`)."""
    if not pence or not parts:
        return {}
    sign, whole = (1 if pence > 0 else -1), abs(pence)
    out: dict[date, int] = {}
    running, before = Fraction(0), 0
    for start in sorted(parts):
        running += parts[start]
        upto = _half_up(whole * running)
        out[start] = sign * (upto - before)
        before = upto
    return {start: p for start, p in out.items() if p}


def split_pence(pence: int, weights: Sequence[int]) -> list[int]:
    """`pence` in parts proportional to `weights` (a negative weight counts as 0) that sum exactly to it,
    by the largest remainder, as payments splits its journal (`shared.money.split_pence`)."""
    return shared_split(pence, [max(w, 0) for w in weights])
