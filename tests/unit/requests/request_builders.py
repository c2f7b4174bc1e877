"""Requests at each point of their lifecycle, built through the domain's own steps."""
from __future__ import annotations

from datetime import date

from contracts.common import Mechanism, Nominee, ServiceType
from services.requests.domain.assessment import Assessment
from services.requests.domain.budget import Budget
from services.requests.domain.lifecycle import RequestStatus
from services.requests.domain.mechanism import MechanismChoice
from services.requests.domain.request import RequestedBy, ServiceRequest

SUBMITTED_ON = date(2026, 11, 2)
ELIGIBLE = Assessment(True, ServiceType.HOME_CARE, ("help washing and dressing",), ("stay living at home",))
BUDGET = Budget(weekly_budget_pence=45_000, weekly_contribution_pence=5_000)
COUNCIL_ARRANGED = MechanismChoice(Mechanism.COUNCIL_ARRANGED, preferred_provider_id="PRV-1A2B3C4D5E")
DIRECT_PAYMENT = MechanismChoice(Mechanism.DIRECT_PAYMENT, Nominee.COUNCIL)


def submitted() -> ServiceRequest:
    return ServiceRequest("REQ-TEST", "P-0001", RequestedBy.PERSON, date(2026, 11, 16),
                          ("help at home",), submitted_on=SUBMITTED_ON)


def request_in(status: RequestStatus) -> ServiceRequest:
    """A request that reached `status` the ordinary way (cancelled from submitted)."""
    r = submitted()
    path = [
        (RequestStatus.ASSESSED, lambda r: r.assess(ELIGIBLE)),
        (RequestStatus.BUDGET_AGREED, lambda r: r.agree_budget(BUDGET)),
        (RequestStatus.MECHANISM_CHOSEN, lambda r: r.choose_mechanism(COUNCIL_ARRANGED)),
        (RequestStatus.APPROVED, lambda r: r.approve()),
        (RequestStatus.ACTIVE, lambda r: r.activate(date(2026, 11, 23))),
        (RequestStatus.CLOSED, lambda r: r.close("the person moved away")),
    ]
    if status == RequestStatus.CANCELLED:
        return r.cancel("no longer needed").request
    for reached, step in path:
        if r.status == status:
            return r
        r = step(r).request
        assert r.status == reached
    assert r.status == status
    return r
