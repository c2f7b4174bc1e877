"""Direct payments: paid when made (in advance, for the days they cover), reversed if returned.

A payment to the person or a third party is spend under its direct payment's mechanism on the first
day it covers. A payment into a council-managed account is a transfer into the person's client
account, not spend: what the account pays out is (see `managed_accounts` and the invoices of the
agreements it funds), so nothing is counted twice.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.common import ServiceType, SpendMechanism
from services.reporting.domain.aggregates import NO_PROVIDER, UNKNOWN_MECHANISM, Contribution, Dims, spend
from services.reporting.domain.dims import AgreementDim

MANAGED = SpendMechanism.DIRECT_PAYMENT_MANAGED.value


@dataclass(frozen=True)
class DirectPaymentFact:
    agreement_id: str
    payment_reference: str
    person_ref: str
    amount_pence: int | None = None  # None until made (a return may be read first)
    period_start: date | None = None
    returned: bool = False
    council_managed: bool = False  # paid into the council-managed account


def made(held: DirectPaymentFact, amount_pence: int, period_start: date, council_managed: bool) -> DirectPaymentFact:
    return replace(held, amount_pence=amount_pence, period_start=period_start, council_managed=council_managed)


def returned(held: DirectPaymentFact) -> DirectPaymentFact:
    return replace(held, returned=True)


def mechanism_of(fact: DirectPaymentFact, dim: AgreementDim | None) -> str:
    """Its direct payment's mechanism on the first day it covers. A payment not into a managed account
    while agreements says the payment was managed then: reporting cannot tell whose it was (unknown)."""
    mechanism = dim.mechanism_on(fact.period_start) if dim is not None and fact.period_start else UNKNOWN_MECHANISM
    return UNKNOWN_MECHANISM if mechanism == MANAGED else mechanism


def contributions(fact: DirectPaymentFact | None, dim: AgreementDim | None) -> list[Contribution]:
    if fact is None or fact.returned or fact.amount_pence is None or fact.period_start is None:
        return []
    if fact.council_managed:
        return []  # a transfer into the managed account: its pay-outs are the spend
    dims = Dims(ServiceType.DIRECT_PAYMENT.value, NO_PROVIDER, fact.person_ref, mechanism=mechanism_of(fact, dim))
    return spend(dims, fact.period_start, paid=fact.amount_pence)
