"""A direct payment's terms over time: how much (net, per four weeks) and how often, from which day.

A direct payment is agreed with one set of terms from its start; each variation replaces the terms
from its `effective_from` on (the days before keep theirs). Periods are counted in steps of the
cycle (7 days weekly, 28 four-weekly) from the terms' anchor: the start, or the day a variation
changed the cycle (a change of amount alone keeps the grid it had). A period never runs across a
change of terms: it ends the day before, and the next starts on the day of the change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.common import Cycle
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.inputs import DirectPaymentAgreement, TermsFrom

CYCLE_DAYS = {Cycle.WEEKLY: 7, Cycle.FOUR_WEEKLY: 28}
ONE_DAY = timedelta(days=1)


def terms_of(agreement: DirectPaymentAgreement) -> tuple[TermsFrom, ...]:
    """Every terms of the agreement, oldest first (one from the start when it was never varied)."""
    if agreement.terms:
        return agreement.terms
    return (TermsFrom(agreement.start, agreement.net_per_four_weeks_pence, agreement.cycle, agreement.start),)


@dataclass(frozen=True, slots=True)
class Stretch:
    """Days under one terms: `first` to `last` (inclusive; None: open-ended)."""

    terms: TermsFrom
    first: date
    last: date | None


def stretch_at(terms: tuple[TermsFrom, ...], day: date) -> Stretch:
    """The terms in force on `day` and the days they last (until the day before the next terms)."""
    current, following = terms[0], None
    for t in terms[1:]:
        if t.effective_from > day:
            following = t
            break
        current = t
    return Stretch(current, max(current.effective_from, day),
                   None if following is None else following.effective_from - ONE_DAY)


def stretches_from(terms: tuple[TermsFrom, ...], day: date) -> list[Stretch]:
    """The stretches of terms from `day` on, the first cut to start on `day`."""
    found = [stretch_at(terms, day)]
    while found[-1].last is not None:
        found.append(stretch_at(terms, found[-1].last + ONE_DAY))
    return found


def grid_end(terms: TermsFrom, day: date) -> date:
    """The last day of the period of `terms`' grid that contains `day`."""
    length = CYCLE_DAYS[terms.cycle]
    steps = (day - terms.anchor).days // length + 1
    return terms.anchor + timedelta(days=steps * length - 1)


def varied(terms: tuple[TermsFrom, ...], effective_from: date, net_per_four_weeks_pence: int,
           cycle: Cycle) -> tuple[TermsFrom, ...]:
    """The terms after a variation from `effective_from`: those before it kept, the new ones from it. A
    change of cycle starts a new grid on `effective_from`; the same cycle keeps the grid it had."""
    if net_per_four_weeks_pence <= 0:
        raise PaymentRefused("amount_per_four_weeks_pence", "the net amount of a direct payment is above 0")
    start = terms[0].effective_from
    effective_from = max(effective_from, start)
    kept = tuple(t for t in terms if t.effective_from < effective_from)
    if not kept:
        return (TermsFrom(start, net_per_four_weeks_pence, cycle, start),)
    before = kept[-1]
    if (before.net_per_four_weeks_pence, before.cycle) == (net_per_four_weeks_pence, cycle):
        return kept  # the terms already in force go on
    anchor = before.anchor if cycle is before.cycle else effective_from
    return kept + (TermsFrom(effective_from, net_per_four_weeks_pence, cycle, anchor),)
