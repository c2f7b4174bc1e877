"""Spend mechanisms: how a pound of a person's budget reaches care, and the filter by them.

A figure is reported under the mechanism of the agreement or direct payment behind it: an agreement's
from its events (council_arranged, isf, or direct_payment_managed when a managed account funds it); a
direct payment's from its nominee, day by day (a variation may change it). Until reporting hears it,
a fact counts under `unknown`, and moves when it does.
"""
from __future__ import annotations

from collections.abc import Iterable

from contracts.common import SpendMechanism
from services.reporting.domain.aggregates import UNKNOWN_MECHANISM

MECHANISMS: tuple[str, ...] = tuple(m.value for m in SpendMechanism)
LABELS = {
    SpendMechanism.COUNCIL_ARRANGED.value: "Council-arranged",
    SpendMechanism.ISF.value: "Individual service fund (ISF)",
    SpendMechanism.DIRECT_PAYMENT_PERSON.value: "Direct payment to the person",
    SpendMechanism.DIRECT_PAYMENT_THIRD_PARTY.value: "Direct payment to a third party",
    SpendMechanism.DIRECT_PAYMENT_MANAGED.value: "Direct payment managed by the council",
    UNKNOWN_MECHANISM: "Not yet known",
}


class UnknownMechanism(ValueError):
    """A filter named a mechanism that does not exist."""

    def __init__(self, values: list[str]) -> None:
        self.values = values
        super().__init__(f"unknown mechanism {', '.join(repr(v) for v in values)}: "
                         f"the allowed values are {', '.join(MECHANISMS)}")


def parse_filter(values: Iterable[str] | None) -> list[str] | None:
    """The mechanisms a filter asks for (repeated, comma-separated, or both), in MECHANISMS order; None when
    it asks for none (every mechanism). UnknownMechanism names every value that is not a mechanism."""
    asked = [v.strip() for value in values or () for v in value.split(",") if v.strip()]
    unknown = [v for v in dict.fromkeys(asked) if v not in MECHANISMS]
    if unknown:
        raise UnknownMechanism(unknown)
    return [m for m in MECHANISMS if m in asked] or None
