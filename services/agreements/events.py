"""How the agreements domain becomes the events of `contracts.agreements` (and, for bank details,
`contracts.payee_accounts`).

`agreements.events` is kept for ever and read by every service: nothing published there carries a
bank account, a payee's name or a free-text reason (which may hold health details). Reasons stay in
the audit log; `without_reason` takes them out of an event's actor, `agreement_event` out of terms.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TypeVar

from contracts import agreements as contract, payee_accounts
from shared.events import Cause
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.commitments import Commitment
from services.agreements.domain.direct_payments import DirectPayment, PaymentTerms
from services.agreements.domain.personal_assistants import PersonalAssistant
from services.agreements.domain.rates import RateCard

E = TypeVar("E", bound=contract.AgreementEvent)


def agreement_event(event_type: type[E], agreement: Agreement, **specific) -> E:
    """The whole agreement as it now stands (with its mechanism and funding), plus what is specific to this change."""
    return event_type(
        agreement_id=agreement.agreement_id, request_id=agreement.request_id, person_ref=agreement.person_ref,
        provider_id=agreement.provider_id, service_type=agreement.service_type,
        payment_basis=agreement.payment_basis, cycle=agreement.cycle, start=agreement.start, end=agreement.end,
        concurrent=agreement.concurrent, suspensions=list(agreement.suspensions),
        # A variation's reason is free text: it stays in agreements (terms table, audit log).
        terms=[t.model_copy(update={"reason": None}) if t.reason is not None else t for t in agreement.terms],
        mechanism=agreement.mechanism, funding=agreement.funding, direct_payment_id=agreement.direct_payment_id,
        cost_centre=agreement.cost_centre, **specific)


def without_reason(cause: Cause) -> Cause:
    """`cause` with its actor's free-text reason left out: the reason is in the audit log already."""
    if cause.actor.reason is None:
        return cause
    return replace(cause, actor=cause.actor.model_copy(update={"reason": None}))


def direct_payment_agreed(payment: DirectPayment, payee: contract.BankAccount
                          ) -> tuple[contract.DirectPaymentAgreed, payee_accounts.DirectPaymentPayeeAccountSet]:
    """The yes/no for every consumer (agreements.events) and, for payments alone, the account to pay
    (agreements.payee-accounts): publish both in one transaction."""
    return (contract.DirectPaymentAgreed(**_payment_terms(payment, payment.versions[0])),
            payee_accounts.DirectPaymentPayeeAccountSet(agreement_id=payment.agreement_id, payee_account=payee))


def direct_payment_varied(payment: DirectPayment, terms: PaymentTerms) -> contract.DirectPaymentVaried:
    """The whole payment as it stands from `terms.effective_from` (a version in force)."""
    return contract.DirectPaymentVaried(**_payment_terms(payment, terms), version=terms.version,
                                        effective_from=terms.effective_from, reassessment_id=terms.reassessment_id)


def _payment_terms(payment: DirectPayment, terms: PaymentTerms) -> dict:
    """What every DirectPaymentTerms event says: the payment under `terms`, its mechanism set (from its nominee)."""
    assert payment.nominee is not None and payment.first_review is not None
    return dict(agreement_id=payment.agreement_id, person_ref=payment.person_ref, request_id=payment.request_id,
                nominee=payment.nominee, start=payment.start,
                amount_per_four_weeks_pence=terms.amount_per_four_weeks_pence,
                weekly_budget_pence=terms.weekly_budget_pence,
                weekly_contribution_pence=terms.weekly_contribution_pence,
                first_review_due=payment.first_review, review_interval_months=payment.review_interval_months,
                cycle=terms.cycle, mechanism=payment.mechanism)


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


def personal_assistant_registered(assistant: PersonalAssistant) -> contract.PersonalAssistantRegistered:
    """The PA as they now stand (published again on every change: the latest wins). Built from the domain
    object, which holds neither the PA's name nor their account: those never reach agreements.events."""
    return contract.PersonalAssistantRegistered(
        pa_id=assistant.pa_id, direct_payment_id=assistant.direct_payment_id, person_ref=assistant.person_ref,
        employee_ref=assistant.employee_ref, employed_from=assistant.employed_from,
        employed_to=assistant.employed_to, rates=list(assistant.rates))
def direct_payment_reviewed(payment: DirectPayment, reviewed_on: date, next_review_due: date,
                            outcome: str) -> contract.DirectPaymentReviewed:
    """A review done and when the next is due (the officer's note stays in the audit log)."""
    return contract.DirectPaymentReviewed(agreement_id=payment.agreement_id, person_ref=payment.person_ref,
                                          reviewed_on=reviewed_on, next_review_due=next_review_due, outcome=outcome)
