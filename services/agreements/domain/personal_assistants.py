"""Personal assistants (PAs): people employed by a direct payment's holder, or by the council as its nominee.

A PA is employed under one agreed direct payment, from a date not before the payment's start and while it
still pays, with an hourly rate by time band (and, optionally, kind of day). Who acts as the employer in
Carepay follows the nominee: for a council-managed payment a brokerage or finance officer; for one held by
the person, the person themself or a brokerage officer on their behalf; for a third party's, a brokerage
officer (the third party has no login). The PA's name and bank account are not part of this object: they
stay in the store, so no event built from it can carry them.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from contracts.agreements import DayCategory, PersonalAssistantRate, TimeBand
from contracts.common import Nominee
from services.agreements.domain.direct_payments import DirectPayment, DirectPaymentStatus
from services.agreements.domain.errors import Conflict, Rejected

EMPLOYERS: dict[Nominee, frozenset[str]] = {
    Nominee.COUNCIL: frozenset({"brokerage_officer", "finance_officer"}),
    Nominee.PERSON: frozenset({"person", "brokerage_officer"}),
    Nominee.THIRD_PARTY: frozenset({"brokerage_officer"}),
}
KEEP: Any = object()  # `vary(employed_to=KEEP)`: leave the end of employment as it is


def new_pa_id() -> str:
    return f"PA-{uuid.uuid4().hex[:12].upper()}"


def may_act_as_employer(role: str, person_ref: str | None, payment: DirectPayment) -> bool:
    """Whether a caller of `role` (a person: with their own `person_ref`) registers and changes the PAs of
    `payment`: by its nominee (EMPLOYERS); a person only for their own direct payment."""
    if payment.nominee is None or role not in EMPLOYERS[payment.nominee]:
        return False
    return role != "person" or (person_ref is not None and person_ref == payment.person_ref)


def check_rates(rates: Sequence[PersonalAssistantRate]) -> tuple[PersonalAssistantRate, ...]:
    """One rate per time band and kind of day, including the day rate for every kind of day (time band day,
    no day category). An hour in a band with no rate of its own cannot be paid: give evening and night rates
    for a PA who works then."""
    seen: set[tuple[TimeBand, DayCategory | None]] = set()
    for i, rate in enumerate(rates):
        key = (rate.time_band, rate.day_category)
        if key in seen:
            raise Rejected(f"rates.{i}", f"a second rate for time band {rate.time_band} on "
                                         f"{rate.day_category or 'every kind of day'}: give each one rate")
        seen.add(key)
    if (TimeBand.DAY, None) not in seen:
        raise Rejected("rates", "give the day rate: time_band day with no day_category (evening and night hours "
                                "are paid only at rates of their own bands)")
    return tuple(rates)


def _check_employment(payment: DirectPayment, employed_from: date, employed_to: date | None, *,
                      stored_from: bool = False) -> None:
    """Employed from the direct payment's start at the earliest, to no earlier than `employed_from` (the
    request's own dates: Rejected; against the PA's stored `employed_from`: Conflict)."""
    if employed_from < payment.start:
        raise Conflict("employed_from", f"must not be before the direct payment's start {payment.start}",
                       code="outside_direct_payment")
    if employed_to is not None and employed_to < employed_from:
        if stored_from:
            raise Conflict("employed_to", f"must not be before the PA's employed_from {employed_from}",
                           code="outside_employment")
        raise Rejected("employed_to", f"must not be before employed_from {employed_from}")


def check_employer(payment: DirectPayment, employed_from: date) -> None:
    """A PA is employed under an agreed direct payment that still pays on `employed_from`."""
    if payment.status not in (DirectPaymentStatus.AGREED, DirectPaymentStatus.ENDED):
        raise Conflict("agreement_id", f"the direct payment is {payment.status}: a PA is employed under an "
                                       "agreed direct payment", code="direct_payment_status")
    if payment.end is not None and employed_from > payment.end:
        raise Conflict("agreement_id", f"the direct payment ended on {payment.end}: it employs nobody after",
                       code="outside_direct_payment")


@dataclass(frozen=True)
class PersonalAssistant:
    """A PA as employed now: employed from `employed_from` to `employed_to` (inclusive; None: open-ended)."""

    pa_id: str
    direct_payment_id: str
    person_ref: str
    employee_ref: str
    employed_from: date
    employed_to: date | None
    rates: tuple[PersonalAssistantRate, ...]

    @classmethod
    def register(cls, payment: DirectPayment, *, employee_ref: str, employed_from: date, employed_to: date | None,
                 rates: Sequence[PersonalAssistantRate]) -> "PersonalAssistant":
        check_employer(payment, employed_from)
        _check_employment(payment, employed_from, employed_to)
        return cls(new_pa_id(), payment.agreement_id, payment.person_ref, employee_ref, employed_from, employed_to,
                   check_rates(rates))

    def vary(self, payment: DirectPayment, *, rates: Sequence[PersonalAssistantRate] | None = None,
             employed_to: date | None = KEEP) -> "PersonalAssistant":
        """New rates and/or end of employment (None: open-ended again); the rest stands."""
        if rates is None and employed_to is KEEP:
            raise Rejected("rates", "give the new rates or employed_to (or both)")
        ends = self.employed_to if employed_to is KEEP else employed_to
        _check_employment(payment, self.employed_from, ends, stored_from=True)
        return replace(self, rates=check_rates(rates) if rates is not None else self.rates, employed_to=ends)
