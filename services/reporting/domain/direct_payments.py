"""Direct payments: paid when made (in advance, for the days they cover), reversed if returned."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.common import ServiceType
from services.reporting.domain.aggregates import NO_PROVIDER, Contribution, Dims, spend


@dataclass(frozen=True)
class DirectPaymentFact:
    agreement_id: str
    payment_reference: str
    person_ref: str
    amount_pence: int | None = None  # None until made (a return may be read first)
    period_start: date | None = None
    returned: bool = False


def made(held: DirectPaymentFact, amount_pence: int, period_start: date) -> DirectPaymentFact:
    return replace(held, amount_pence=amount_pence, period_start=period_start)


def returned(held: DirectPaymentFact) -> DirectPaymentFact:
    return replace(held, returned=True)


def contributions(fact: DirectPaymentFact | None) -> list[Contribution]:
    if fact is None or fact.returned or fact.amount_pence is None or fact.period_start is None:
        return []
    dims = Dims(ServiceType.DIRECT_PAYMENT.value, NO_PROVIDER, fact.person_ref)
    return spend(dims, fact.period_start, paid=fact.amount_pence)
