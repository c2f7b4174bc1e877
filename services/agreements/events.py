"""How the agreements domain becomes the events of `contracts.agreements`."""
from __future__ import annotations

from typing import TypeVar

from contracts import agreements as contract
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.commitments import Commitment
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.rates import RateCard

E = TypeVar("E", bound=contract.AgreementEvent)


def agreement_event(event_type: type[E], agreement: Agreement, **specific) -> E:
    """The whole agreement as it now stands, plus what is specific to this change."""
    return event_type(
        agreement_id=agreement.agreement_id, request_id=agreement.request_id, person_ref=agreement.person_ref,
        provider_id=agreement.provider_id, service_type=agreement.service_type,
        payment_basis=agreement.payment_basis, cycle=agreement.cycle, start=agreement.start, end=agreement.end,
        concurrent=agreement.concurrent, terms=list(agreement.terms), suspensions=list(agreement.suspensions),
        **specific)


def direct_payment_agreed(payment: DirectPayment, payee: contract.BankAccount) -> contract.DirectPaymentAgreed:
    assert payment.nominee is not None and payment.first_review is not None
    return contract.DirectPaymentAgreed(
        agreement_id=payment.agreement_id, person_ref=payment.person_ref, request_id=payment.request_id,
        nominee=payment.nominee, payee_account=payee, start=payment.start,
        amount_per_four_weeks_pence=payment.amount_per_four_weeks_pence,
        weekly_budget_pence=payment.weekly_budget_pence, weekly_contribution_pence=payment.weekly_contribution_pence,
        first_review_due=payment.first_review)


def commitment_changed(commitment: Commitment) -> contract.CommitmentChanged:
    return contract.CommitmentChanged(
        person_ref=commitment.person_ref, as_of=commitment.as_of, weekly_budget_pence=commitment.weekly_budget_pence,
        weekly_commitment_pence=commitment.weekly_pence, annual_commitment_pence=commitment.annual_pence,
        exceeded=commitment.exceeded, exceeded_by_weekly_pence=commitment.exceeded_by_weekly_pence,
        lines=list(commitment.lines))


def rate_card_published(card: RateCard) -> contract.RateCardPublished:
    """A rate card as it now stands (a card closed by a newer one is published again with its end)."""
    return contract.RateCardPublished(provider_id=card.provider_id, rate_card_id=card.rate_card_id,
                                      service_type=card.service_type, unit=card.unit,
                                      effective_from=card.effective_from, effective_to=card.effective_to,
                                      rates=list(card.rates))
