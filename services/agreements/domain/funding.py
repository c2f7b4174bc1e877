"""Where an agreement's money comes from: the council's account, or a council-managed direct payment's.

An agreement may be funded by a managed account only when the direct payment it names exists, is
agreed and not ended, is managed by the council as nominee, and is for the same person: the council,
holding that person's budget, buys their care from it. Such an agreement is paid out of that
direct payment, so it adds nothing to the person's commitment (see domain.commitments).
"""
from __future__ import annotations

from contracts.common import Funding, Nominee
from services.agreements.domain.direct_payments import DirectPayment, DirectPaymentStatus
from services.agreements.domain.errors import Conflict


def check_managed_funding(funding: Funding, direct_payment_id: str | None, person_ref: str,
                          payment: DirectPayment | None) -> None:
    """Refuse (Conflict) a managed-account funding the named direct payment cannot give, naming why."""
    if funding is not Funding.MANAGED_ACCOUNT:
        return
    if payment is None:
        raise Conflict("direct_payment_id", f"there is no direct payment {direct_payment_id}",
                       code="unknown_direct_payment")
    if payment.status is not DirectPaymentStatus.AGREED:
        raise Conflict("direct_payment_id", f"direct payment {direct_payment_id} is {payment.status}: only an "
                                            "agreed direct payment that has not ended can fund an agreement",
                       code="funding_refused")
    if payment.nominee is not Nominee.COUNCIL:
        raise Conflict("direct_payment_id", f"direct payment {direct_payment_id} is received by "
                                            f"{payment.nominee}, not managed by the council: only a council-managed "
                                            "account pays providers", code="funding_refused")
    if payment.person_ref != person_ref:
        raise Conflict("direct_payment_id", f"direct payment {direct_payment_id} is another person's, "
                                            f"not {person_ref}'s", code="funding_refused")
