"""A live direct payment varied from a date: its new terms, and the correction for days already paid.

A variation (amount, contribution or cycle) states the payment as it stands from `effective_from`;
the days before keep their terms. Days from `effective_from` already paid in advance are corrected
through the next payment: for each stretch of the old terms from that day, the days it paid are
re-priced from the old net amount to the new, pro rata by day (`direct_payments.correction`). A
correction is the difference between the worth of the days under the new terms and under the terms
they stood at, so a later variation corrects only what the earlier ones left. Versions count the
variations: one older than, or as old as, the version already applied changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.common import Cycle
from services.payments.domain.direct_payments import correction
from services.payments.domain.dp_terms import stretch_at, stretches_from, varied
from services.payments.domain.inputs import PaidPeriod, TermsFrom


@dataclass(frozen=True, slots=True)
class Correction:
    """The correction of one stretch of the old terms (`first` to `last`, None: open) for days already paid."""

    first: date
    last: date | None
    from_net_pence: int
    to_net_pence: int
    amount_pence: int


@dataclass(frozen=True, slots=True)
class Variation:
    """The terms after a variation and the corrections it makes to days already paid (non-zero only)."""

    terms: tuple[TermsFrom, ...]
    corrections: tuple[Correction, ...]

    @property
    def adjustment_pence(self) -> int:
        return sum(c.amount_pence for c in self.corrections)


def is_stale(version: int, applied_version: int) -> bool:
    """A variation no newer than the one applied arrived late (or again): it changes nothing."""
    return version <= applied_version


def vary(terms: tuple[TermsFrom, ...], paid: list[PaidPeriod], effective_from: date, net_per_four_weeks_pence: int,
         cycle: Cycle) -> Variation:
    """Vary `terms` from `effective_from` (not before the start) to the new net amount and cycle, and work
    out the correction for the days from then already `paid`."""
    effective_from = max(effective_from, terms[0].effective_from)
    after = varied(terms, effective_from, net_per_four_weeks_pence, cycle)
    to_net = stretch_at(after, effective_from).terms.net_per_four_weeks_pence
    corrections = []
    for stretch in stretches_from(terms, effective_from):
        from_net = stretch.terms.net_per_four_weeks_pence
        amount = correction(paid, stretch.first, stretch.last, from_net, to_net)
        if amount:
            corrections.append(Correction(stretch.first, stretch.last, from_net, to_net, amount))
    return Variation(after, tuple(corrections))
