"""What each step needs: every broken rule names its field."""
from __future__ import annotations

import pytest

from contracts.common import Mechanism, Nominee, ServiceType
from services.requests.domain.assessment import Assessment
from services.requests.domain.budget import Budget
from services.requests.domain.errors import InvalidInput
from services.requests.domain.lifecycle import RequestStatus
from services.requests.domain.mechanism import MechanismChoice
from tests.unit.requests.request_builders import DIRECT_PAYMENT, request_in


def broken(make) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        make()
    return info.value


def test_a_negative_budget_is_refused():
    assert broken(lambda: Budget(-1, 0)).field == "weekly_budget_pence"


def test_a_negative_contribution_is_refused():
    assert broken(lambda: Budget(100, -1)).field == "weekly_contribution_pence"


def test_the_contribution_may_not_exceed_the_budget():
    err = broken(lambda: Budget(10_000, 10_001))
    assert err.field == "weekly_contribution_pence" and "10000" in err.rule


def test_a_contribution_equal_to_the_budget_and_a_zero_budget_are_allowed():
    assert Budget(10_000, 10_000).weekly_net_pence == 0
    assert Budget(0, 0).weekly_net_pence == 0


def test_money_is_whole_pence_not_pounds_as_floats():
    assert broken(lambda: Budget(450.5, 0)).field == "weekly_budget_pence"  # type: ignore[arg-type]
    assert broken(lambda: Budget(True, 0)).field == "weekly_budget_pence"  # type: ignore[arg-type]


def test_a_direct_payment_needs_a_nominee():
    err = broken(lambda: MechanismChoice(Mechanism.DIRECT_PAYMENT))
    assert err.field == "nominee" and "person, third_party, council" in err.rule


@pytest.mark.parametrize("mechanism", [Mechanism.COUNCIL_ARRANGED, Mechanism.ISF])
def test_a_nominee_is_refused_for_a_mechanism_other_than_direct_payment(mechanism):
    assert broken(lambda: MechanismChoice(mechanism, Nominee.PERSON)).field == "nominee"


def test_a_preferred_provider_is_for_council_arranged_or_isf_only():
    err = broken(lambda: MechanismChoice(Mechanism.DIRECT_PAYMENT, Nominee.PERSON, "PRV-1A2B3C4D5E"))
    assert err.field == "preferred_provider_id"
    assert MechanismChoice(Mechanism.ISF, preferred_provider_id="PRV-1A2B3C4D5E").preferred_provider_id


def test_a_direct_payment_is_refused_when_the_contribution_covers_the_whole_budget():
    r = request_in(RequestStatus.ASSESSED).agree_budget(Budget(20_000, 20_000)).request
    assert broken(lambda: r.choose_mechanism(DIRECT_PAYMENT)).field == "mechanism"
    assert r.choose_mechanism(MechanismChoice(Mechanism.COUNCIL_ARRANGED)).request.status == \
        RequestStatus.MECHANISM_CHOSEN


def test_an_eligible_assessment_records_needs_and_outcomes():
    assert broken(lambda: Assessment(True, ServiceType.HOME_CARE, (), ("outcome",))).field == "needs"
    assert broken(lambda: Assessment(True, ServiceType.HOME_CARE, ("need",), ())).field == "outcomes"


def test_a_not_eligible_assessment_needs_no_needs_or_outcomes():
    assert Assessment(False, ServiceType.HOME_CARE).eligible is False


def test_blank_needs_or_outcomes_are_refused():
    assert broken(lambda: Assessment(True, ServiceType.HOME_CARE, ("  ",), ("o",))).field == "needs"


def test_direct_payment_is_a_mechanism_not_an_assessed_kind_of_care():
    assert broken(lambda: Assessment(True, ServiceType.DIRECT_PAYMENT, ("n",), ("o",))).field == "service_type"


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_or_closing_needs_a_reason(reason):
    assert broken(lambda: request_in(RequestStatus.SUBMITTED).cancel(reason)).field == "reason"
    assert broken(lambda: request_in(RequestStatus.ACTIVE).close(reason)).field == "reason"
