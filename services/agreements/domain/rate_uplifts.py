"""Rate uplifts: a provider's rate card in force on a date applied to its agreements of that service in one step.

Which agreements an uplift reaches: every activated agreement of the provider for the service type.
Each is either varied from `effective_from` to the card's rates (the variation rules of
`domain.agreements` apply: the schedule, weekly units and visit rules carry over) or skipped with the
reason. Skipped: it ended (or ends) before `effective_from`; it starts after `effective_from`; it is
ended (an ended agreement is not varied); a version dated after `effective_from` would be overridden
by the uplift; it is already on that card's rates; or the card cannot price its terms (no rate for one
of its scheduled visits' bands, another unit). An agreement with negotiated rates is moved to the card
too, and the preview says so. Weekly cost before and after: the seven days from `effective_from`
under the version in force that day and under the new one (`pricing.price_of_terms_for_week`).
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from contracts.common import ServiceType
from services.agreements.domain.agreements import Agreement, AgreementStatus
from services.agreements.domain.errors import Conflict, Rejected
from services.agreements.domain.pricing import price_of_terms_for_week
from services.agreements.domain.rates import RateCard, card_in_force, check_rates


def new_rate_uplift_id() -> str:
    return f"RU-{uuid.uuid4().hex[:12].upper()}"


@dataclass(frozen=True)
class Varied:
    """An agreement the uplift varies: its new state, the card it now follows, and why it changes."""

    agreement: Agreement
    rate_card_id: str
    weekly_before_pence: int
    weekly_after_pence: int
    reason: str

    @property
    def version(self) -> int:
        return self.agreement.terms[-1].version


@dataclass(frozen=True)
class Skipped:
    agreement_id: str
    person_ref: str
    reason: str


@dataclass(frozen=True)
class UpliftPlan:
    """What an uplift does, agreement by agreement (a preview shows it; applying it stores and publishes it)."""

    provider_id: str
    service_type: ServiceType
    effective_from: date
    rate_card_id: str
    varied: tuple[Varied, ...]
    skipped: tuple[Skipped, ...]


def card_for_uplift(cards: Sequence[RateCard], provider_id: str, service_type: ServiceType,
                    effective_from: date) -> RateCard:
    """The provider's card for `service_type` in force on `effective_from`; Conflict naming the field otherwise:
    service_type when it has no card for that service at all, effective_from when none is in force that day."""
    if not any(c.service_type == service_type for c in cards):
        raise Conflict("service_type", f"provider {provider_id} has no rate card for {service_type}: publish one "
                                       "first", code="no_rate_card")
    card = card_in_force(cards, service_type, effective_from)
    if card is None:
        raise Conflict("effective_from", f"provider {provider_id} has no rate card for {service_type} in force on "
                                         f"{effective_from}", code="no_rate_card")
    return card


def reached(agreements: Sequence[Agreement], provider_id: str, service_type: ServiceType) -> list[Agreement]:
    """The provider's activated agreements of the service type (drafts and cancelled drafts are not reached)."""
    return [a for a in agreements if a.provider_id == provider_id and a.service_type == service_type
            and a.was_activated]


def plan_uplift(provider_id: str, service_type: ServiceType, effective_from: date, cards: Sequence[RateCard],
                agreements: Sequence[Agreement], rate_uplift_id: str | None) -> UpliftPlan:
    """Each reached agreement varied to the card in force on `effective_from`, or skipped with the reason.

    `rate_uplift_id` names the uplift in each variation's reason (kept in agreements, never published);
    None for a preview."""
    card = card_for_uplift(cards, provider_id, service_type, effective_from)
    in_force = [c for c in cards if c.service_type == service_type and c.in_force_on(effective_from)]
    varied: list[Varied] = []
    skipped: list[Skipped] = []
    for agreement in sorted(reached(agreements, provider_id, service_type), key=lambda a: a.agreement_id):
        outcome = _uplift_one(agreement, effective_from, _card_for(agreement, effective_from, card, in_force),
                              rate_uplift_id)
        (varied if isinstance(outcome, Varied) else skipped).append(outcome)
    return UpliftPlan(provider_id, service_type, effective_from, card.rate_card_id, tuple(varied), tuple(skipped))


def _card_for(agreement: Agreement, effective_from: date, card: RateCard, in_force: Sequence[RateCard]) -> RateCard:
    """Where the provider has cards in several units in force, the one in the unit the agreement is priced in."""
    terms = agreement.terms_on(effective_from)
    if terms is None or not terms.rates:
        return card
    unit = check_rates(terms.rates)
    return next((c for c in in_force if c.unit == unit), card)


def _uplift_one(agreement: Agreement, effective_from: date, card: RateCard,
                rate_uplift_id: str | None) -> Varied | Skipped:
    def skip(reason: str) -> Skipped:
        return Skipped(agreement.agreement_id, agreement.person_ref, reason)

    assert agreement.start is not None
    if agreement.end is not None and agreement.end < effective_from:
        return skip(f"ended before {effective_from}: its last day is {agreement.end}")
    if effective_from < agreement.start:
        return skip(f"starts on {agreement.start}, after {effective_from}: set its rates when it is varied from its "
                    f"start")
    if agreement.status is AgreementStatus.ENDED:
        return skip(f"ended on {agreement.end}: an ended agreement is not varied")
    later = sorted({t.effective_from for t in agreement.terms if t.effective_from > effective_from})
    if later:
        return skip(f"varied from {later[0]}, after {effective_from}: a new version from {effective_from} would "
                    f"replace that one; vary it by hand")
    before = agreement.terms_on(effective_from)
    assert before is not None  # every day from its start has a version
    if before.rate_card_id == card.rate_card_id and list(before.rates) == list(card.rates):
        return skip(f"already on rate card {card.rate_card_id} on {effective_from}")
    why = (f"negotiated rates replaced by rate card {card.rate_card_id}" if before.rate_card_id is None
           else f"rate card {before.rate_card_id} replaced by rate card {card.rate_card_id}")
    note = f"rate uplift {rate_uplift_id}: {why}" if rate_uplift_id else why
    try:
        after = agreement.vary(effective_from, rates=list(card.rates), rate_card_id=card.rate_card_id, reason=note)
    except (Rejected, Conflict) as refused:  # the card cannot price its terms (a band it has no rate for, another unit)
        return skip(f"rate card {card.rate_card_id} cannot price it: {refused.field}: {refused.rule}")
    return Varied(after, card.rate_card_id, price_of_terms_for_week(before, effective_from),
                  price_of_terms_for_week(after.terms[-1], effective_from), why)
