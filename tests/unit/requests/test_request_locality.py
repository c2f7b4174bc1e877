"""A request's locality: checked when submitted, carried to agreements; the budget applies from the requested start."""
from __future__ import annotations

import pytest

from contracts.requests import BudgetAgreed, RequestApproved, ServiceRequested
from services.requests.domain.errors import InvalidInput
from services.requests.domain.request import RequestedBy, ServiceRequest
from tests.unit.requests.request_builders import BUDGET, COUNCIL_ARRANGED, ELIGIBLE, submitted


def test_a_locality_is_trimmed_and_carried_on_service_requested_and_request_approved():
    request = ServiceRequest.submit("P-0001", RequestedBy.PERSON, submitted().requested_start, locality="  North-2 ")
    assert request.locality == "North-2"
    assert isinstance(event := request.submission().event, ServiceRequested) and event.locality == "North-2"
    r = request.assess(ELIGIBLE).request
    r = r.agree_budget(BUDGET).request
    r = r.choose_mechanism(COUNCIL_ARRANGED).request
    approved = r.approve().event
    assert isinstance(approved, RequestApproved) and approved.locality == "North-2"


def test_no_locality_is_none_on_the_events():
    request = ServiceRequest.submit("P-0001", RequestedBy.PERSON, submitted().requested_start)
    assert request.locality is None and request.submission().event.locality is None


@pytest.mark.parametrize("bad", ["", "   ", "North_East", "x" * 41, "Nörth;DROP", "--"])
def test_a_bad_locality_is_refused_naming_the_field(bad):
    with pytest.raises(InvalidInput) as info:
        ServiceRequest.submit("P-0001", RequestedBy.PERSON, submitted().requested_start, locality=bad)
    assert info.value.field == "locality"


def test_the_budget_agreed_applies_from_the_requested_start():
    request = submitted()
    event = request.assess(ELIGIBLE).request.agree_budget(BUDGET).event
    assert isinstance(event, BudgetAgreed) and event.effective_from == request.requested_start
