"""What a council-managed direct payment's account pays out (ManagedAccountDebited).

A payment to a personal assistant (their net pay) is spend of the managed direct payment: under
mechanism direct_payment_managed, service type direct_payment and no provider, in the period of its
pay date (the debit names no pay period). A payment to a provider is kept but adds nothing here: it
settles invoices of agreements the account funds, and those invoices are counted (invoiced when
approved, paid by InvoicePaid) under the same mechanism, by provider and service type.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.common import ServiceType, SpendMechanism
from services.reporting.domain.aggregates import NO_PROVIDER, Contribution, Dims, spend

PERSONAL_ASSISTANT = "personal_assistant"


@dataclass(frozen=True)
class ManagedDebit:
    agreement_id: str  # the managed direct payment
    payment_reference: str
    payee_id: str  # provider_id, or a personal assistant's pa_id
    payee_kind: str  # provider | personal_assistant
    person_ref: str
    pay_date: date
    amount_pence: int

    @property
    def key(self) -> tuple[str, str, str]:
        return self.agreement_id, self.payment_reference, self.payee_id


def contributions(debit: ManagedDebit | None) -> list[Contribution]:
    if debit is None or debit.payee_kind != PERSONAL_ASSISTANT:
        return []
    dims = Dims(ServiceType.DIRECT_PAYMENT.value, NO_PROVIDER, debit.person_ref,
                mechanism=SpendMechanism.DIRECT_PAYMENT_MANAGED.value)
    return spend(dims, debit.pay_date, paid=debit.amount_pence)
