"""Brokerage: turning an approved request into a draft agreement or direct payment, and a
shortlist of providers ranked by what they would cost."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from contracts.agreements import AgreementTerms
from contracts.common import Cycle, Mechanism, Nominee, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from services.agreements.domain.agreements import Agreement, new_agreement_id
from services.agreements.domain.direct_payments import DirectPayment, new_direct_payment_id
from services.agreements.domain.errors import Conflict, Rejected
from services.agreements.domain.pricing import price_of_terms_for_week
from services.agreements.domain.rates import RateCard, standard_rate

# How each kind of service is usually paid: home, day and extra care on actuals (home and extra care
# weekly, day care four-weekly); residential, nursing, supported living and shared lives on plan,
# four-weekly. The officer may change it (docs/domain.md, "Mechanisms").
USUAL_PAYMENT: dict[ServiceType, tuple[PaymentBasis, Cycle]] = {
    ServiceType.HOME_CARE: (PaymentBasis.ACTUALS, Cycle.WEEKLY),
    ServiceType.DAY_CARE: (PaymentBasis.ACTUALS, Cycle.FOUR_WEEKLY),
    ServiceType.EXTRA_CARE: (PaymentBasis.ACTUALS, Cycle.WEEKLY),
    ServiceType.RESIDENTIAL: (PaymentBasis.PLAN, Cycle.FOUR_WEEKLY),
    ServiceType.NURSING: (PaymentBasis.PLAN, Cycle.FOUR_WEEKLY),
    ServiceType.SUPPORTED_LIVING: (PaymentBasis.PLAN, Cycle.FOUR_WEEKLY),
    ServiceType.SHARED_LIVES: (PaymentBasis.PLAN, Cycle.FOUR_WEEKLY),
}


def draft_for_approved_request(*, request_id: str, person_ref: str, service_type: ServiceType,
                               mechanism: Mechanism, nominee: Nominee | None, preferred_provider_id: str | None,
                               requested_start: date,
                               weekly_budget_pence: int, weekly_contribution_pence: int,
                               preferred_provider_known: bool,
                               cost_centre: str | None = None) -> Agreement | DirectPayment:
    """What brokerage starts from: a draft agreement (with the person's chosen provider when it is
    registered for that service, and the cost centre the council's rule gives it), or a draft direct
    payment awaiting its nominee and payee account. An ISF agreement keeps that it is one (its events
    say mechanism isf)."""
    if mechanism is Mechanism.DIRECT_PAYMENT:
        return DirectPayment(agreement_id=new_direct_payment_id(), person_ref=person_ref, request_id=request_id,
                             weekly_budget_pence=weekly_budget_pence,
                             weekly_contribution_pence=weekly_contribution_pence, start=requested_start,
                             nominee=nominee)
    # An ISF is a provider-held budget paid on plan, whatever the service.
    basis, cycle = ((PaymentBasis.PLAN, Cycle.FOUR_WEEKLY) if mechanism is Mechanism.ISF
                    else USUAL_PAYMENT.get(service_type, (PaymentBasis.PLAN, Cycle.FOUR_WEEKLY)))
    return Agreement(agreement_id=new_agreement_id(), person_ref=person_ref, service_type=service_type,
                     request_id=request_id, provider_id=preferred_provider_id if preferred_provider_known else None,
                     payment_basis=basis, cycle=cycle, start=requested_start,
                     preferred_provider_id=preferred_provider_id, cost_centre=cost_centre,
                     arranged_as=SpendMechanism.ISF if mechanism is Mechanism.ISF else SpendMechanism.COUNCIL_ARRANGED)


@dataclass(frozen=True)
class ProviderOffer:
    provider_id: str
    name: str
    card: RateCard


@dataclass(frozen=True)
class ShortlistEntry:
    provider_id: str
    name: str
    rate_card_id: str
    unit: RateUnit
    standard_rate_pence: int
    weekly_cost_pence: int | None  # what the draft's planned week would cost at this provider's rates


def shortlist(draft: Agreement, offers: Sequence[ProviderOffer]) -> list[ShortlistEntry]:
    """Providers offering the draft's service, cheapest first.

    When the draft already has a planned week, each provider's card prices that week (so a cheaper
    weekday rate with dear evenings ranks fairly); otherwise the standard rates are compared.
    Providers whose card cannot price the plan come after those that can.
    """
    if draft.start is None:
        raise Conflict(None, "the draft has no start date yet, to find the rates in force on it: complete it first",
                       code="agreement_incomplete")
    planned = draft.terms[-1] if draft.terms else None
    entries = []
    for offer in offers:
        if offer.card.service_type != draft.service_type or not offer.card.in_force_on(draft.start):
            continue
        weekly = None
        if planned is not None:
            candidate = AgreementTerms(version=1, effective_from=draft.start, rates=list(offer.card.rates),
                                       schedule=planned.schedule, weekly_units=planned.weekly_units)
            try:
                weekly = price_of_terms_for_week(candidate, draft.start)
            except Rejected:
                weekly = None  # the card has no price for part of the plan
        entries.append(ShortlistEntry(offer.provider_id, offer.name, offer.card.rate_card_id, offer.card.unit,
                                      standard_rate(offer.card.rates).amount_pence, weekly))
    return sorted(entries, key=rank)


def rank(entry: ShortlistEntry) -> tuple[int, int, int, str, str, str]:
    """Where an entry stands in a shortlist, unique: priced plans first, cheapest first, then the standard rate,
    the name, and the provider and card (ties broken the same way every time)."""
    return (int(entry.weekly_cost_pence is None), entry.weekly_cost_pence or 0, entry.standard_rate_pence,
            entry.name, entry.provider_id, entry.rate_card_id)
