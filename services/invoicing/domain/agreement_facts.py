"""Invoicing's copy of an agreement and a provider, read from the agreements service's events.

Every agreement event carries the whole agreement as it stands, so the copy is replaced, never
patched (its cost centre included). A plan version costs `weekly_units` x the standard rate of its
terms (the rate with no time band and no day category; the first rate when none is standard). A
commitment line is kept as its weekly figure and its weekly cost by business date
(`domain/commitments.py`).
"""
from __future__ import annotations

from decimal import Decimal

from contracts.agreements import AgreementEvent, AgreementTerms, CommitmentLine, Rate
from services.invoicing.domain.commitments import CommitmentOnFile, RateFrom
from services.invoicing.domain.facts import AgreementOnFile, PlanTerms, Suspension


def standard_rate(rates: list[Rate]) -> Rate:
    plain = [r for r in rates if r.time_band is None and r.day_category is None]
    return plain[0] if plain else rates[0]


def plan_terms(terms: AgreementTerms) -> PlanTerms | None:
    """The version as a plan (None for terms with no weekly units: an actuals-only version)."""
    if terms.weekly_units is None:
        return None
    return PlanTerms(terms.version, terms.effective_from, Decimal(terms.weekly_units),
                     standard_rate(terms.rates).amount_pence)


def agreement_on_file(event: AgreementEvent) -> AgreementOnFile:
    plan = tuple(p for p in (plan_terms(t) for t in event.terms) if p is not None)
    suspensions = tuple(Suspension(s.suspended_from, s.resumed_on) for s in event.suspensions)
    return AgreementOnFile(event.agreement_id, event.provider_id, event.person_ref, event.payment_basis, event.cycle,
                           event.start, event.end, plan, suspensions, event.service_type, event.mechanism,
                           event.funding, event.cost_centre)


def commitment_on_file(line: CommitmentLine) -> CommitmentOnFile:
    """An agreement's commitment line as invoicing keeps it: its weekly figure and its rates by business date."""
    return CommitmentOnFile(line.weekly_pence, tuple(RateFrom(r.from_date, r.weekly_pence) for r in line.rates))


def bank_details_after(event_type: str, previous_account_stands: bool = False) -> bool:
    """Whether the provider can be paid after a bank-details event: a change waits for a second
    person's check; a rejected change leaves payments held unless an earlier verified account stands."""
    if event_type == "ProviderBankDetailsChanged":
        return False
    if event_type == "ProviderBankDetailsVerified":
        return True
    if event_type == "ProviderBankDetailsRejected":
        return previous_account_stands
    raise ValueError(f"{event_type} is not a bank-details event")
