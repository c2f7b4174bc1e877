"""The lifecycle of a request for service: which step leads where, and what each step announces."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.common import Mechanism, Nominee, ServiceType
from contracts.requests import (BudgetAgreed, MechanismChosen, RequestActivated, RequestApproved,
                                RequestAssessed, RequestCancelled, RequestClosed, ServiceRequested)
from services.requests.domain.assessment import Assessment
from services.requests.domain.errors import IllegalTransition
from services.requests.domain.lifecycle import FINAL, Action, RequestStatus, allowed_actions
from services.requests.domain.mechanism import MechanismChoice
from tests.unit.requests.request_builders import (BUDGET, COUNCIL_ARRANGED, DIRECT_PAYMENT, ELIGIBLE,
                                                  request_in, submitted)

S = RequestStatus


def test_a_request_goes_from_submitted_to_closed_one_explicit_step_at_a_time():
    r = submitted()
    steps = [
        (lambda r: r.assess(ELIGIBLE), S.ASSESSED, RequestAssessed),
        (lambda r: r.agree_budget(BUDGET), S.BUDGET_AGREED, BudgetAgreed),
        (lambda r: r.choose_mechanism(COUNCIL_ARRANGED), S.MECHANISM_CHOSEN, MechanismChosen),
        (lambda r: r.approve(), S.APPROVED, RequestApproved),
        (lambda r: r.activate(date(2026, 11, 23)), S.ACTIVE, RequestActivated),
        (lambda r: r.close("service ended"), S.CLOSED, RequestClosed),
    ]
    for step, status, event_type in steps:
        before = r.status
        t = step(r)
        assert (t.before, t.request.status, type(t.event)) == (before, status, event_type)
        assert (t.event.request_id, t.event.person_ref) == (r.request_id, r.person_ref)
        r = t.request


def test_submission_announces_the_request_without_its_needs_text():
    t = submitted().submission()
    assert isinstance(t.event, ServiceRequested) and t.before is None
    assert "help at home" not in t.event.model_dump_json()


def test_assessment_event_carries_eligibility_and_service_type_but_not_needs_or_outcomes():
    event = submitted().assess(ELIGIBLE).event
    assert (event.eligible, event.service_type) == (True, ServiceType.HOME_CARE)
    text = event.model_dump_json()
    assert "washing" not in text and "living at home" not in text


def test_a_request_assessed_as_not_eligible_gets_no_budget_and_can_only_be_cancelled():
    r = submitted().assess(Assessment(False, ServiceType.DAY_CARE)).request
    with pytest.raises(IllegalTransition, match="not eligible.*only be cancelled"):
        r.agree_budget(BUDGET)
    assert r.cancel("not eligible").request.status == S.CANCELLED


def test_approval_carries_everything_agreements_needs_to_draft_the_arrangement():
    event = request_in(S.MECHANISM_CHOSEN).approve().event
    assert event.service_type == ServiceType.HOME_CARE
    assert (event.mechanism, event.preferred_provider_id) == (Mechanism.COUNCIL_ARRANGED, "PRV-1A2B3C4D5E")
    assert (event.weekly_budget_pence, event.weekly_contribution_pence) == (45_000, 5_000)
    assert event.requested_start == date(2026, 11, 16)


@pytest.mark.parametrize("status", [s for s in S if s not in FINAL])
def test_any_request_that_is_not_final_can_be_cancelled_with_a_reason(status):
    t = request_in(status).cancel("the person no longer wants support")
    assert t.request.status == S.CANCELLED and t.before == status
    assert isinstance(t.event, RequestCancelled)
    assert t.event.reason == "the person no longer wants support"


@pytest.mark.parametrize("status", sorted(FINAL))
def test_a_closed_or_cancelled_request_cannot_change_any_more(status):
    r = request_in(status)
    assert allowed_actions(status) == []
    for step in (lambda: r.cancel("again"), lambda: r.close("again"), lambda: r.assess(ELIGIBLE),
                 lambda: r.choose_mechanism(DIRECT_PAYMENT)):
        with pytest.raises(IllegalTransition, match=f"is {status.value}, which is final"):
            step()


def test_a_step_out_of_order_says_what_state_the_request_is_in_and_what_it_can_do():
    with pytest.raises(IllegalTransition) as info:
        request_in(S.BUDGET_AGREED).approve()
    assert str(info.value) == ("request REQ-TEST is budget_agreed, so it cannot be approved; from budget_agreed"
                               " it can be given a payment mechanism, cancelled")


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ASSESSED, S.BUDGET_AGREED, S.MECHANISM_CHOSEN, S.ACTIVE])
def test_only_an_approved_request_can_be_activated(status):
    with pytest.raises(IllegalTransition):
        request_in(status).activate(date(2026, 12, 1))


def test_only_an_active_request_can_be_closed():
    for status in (S.SUBMITTED, S.APPROVED):
        with pytest.raises(IllegalTransition, match="cannot be closed"):
            request_in(status).close("done")


def test_activation_measures_whole_days_from_the_request_to_the_service_start():
    t = request_in(S.APPROVED).activate(date(2026, 11, 23))  # submitted on 2 November
    assert t.request.days_to_start == 21 and t.event.days_from_request_to_start == 21
    assert t.request.service_start == t.event.service_start == date(2026, 11, 23)


def test_a_service_backdated_before_the_request_counts_as_starting_on_day_zero():
    assert request_in(S.APPROVED).activate(date(2026, 10, 30)).event.days_from_request_to_start == 0


def test_the_first_choice_of_mechanism_has_no_previous_mechanism():
    event = request_in(S.BUDGET_AGREED).choose_mechanism(DIRECT_PAYMENT).event
    assert (event.mechanism, event.nominee, event.previous_mechanism) == (Mechanism.DIRECT_PAYMENT,
                                                                         Nominee.COUNCIL, None)


def test_changing_the_mechanism_before_approval_names_the_previous_one():
    t = request_in(S.MECHANISM_CHOSEN).choose_mechanism(DIRECT_PAYMENT)
    assert t.request.status == S.MECHANISM_CHOSEN
    assert t.event.previous_mechanism == Mechanism.COUNCIL_ARRANGED


def test_changing_the_mechanism_after_approval_needs_approval_again():
    t = request_in(S.APPROVED).choose_mechanism(DIRECT_PAYMENT)
    assert t.request.status == S.MECHANISM_CHOSEN
    assert t.request.approve().request.status == S.APPROVED


def test_changing_the_mechanism_of_an_active_request_keeps_the_service_active():
    t = request_in(S.ACTIVE).choose_mechanism(DIRECT_PAYMENT)
    assert t.request.status == S.ACTIVE and t.event.previous_mechanism == Mechanism.COUNCIL_ARRANGED


def test_changing_only_the_nominee_of_a_direct_payment_is_a_change():
    r = request_in(S.BUDGET_AGREED).choose_mechanism(DIRECT_PAYMENT).request
    event = r.choose_mechanism(MechanismChoice(Mechanism.DIRECT_PAYMENT, Nominee.THIRD_PARTY)).event
    assert (event.nominee, event.previous_mechanism) == (Nominee.THIRD_PARTY, Mechanism.DIRECT_PAYMENT)


def test_choosing_the_same_mechanism_again_is_refused_as_nothing_to_change():
    with pytest.raises(IllegalTransition, match="nothing to change"):
        request_in(S.MECHANISM_CHOSEN).choose_mechanism(COUNCIL_ARRANGED)


def test_the_next_steps_of_each_state_follow_the_lifecycle():
    assert allowed_actions(S.SUBMITTED) == [Action.ASSESS, Action.CANCEL]
    assert allowed_actions(S.APPROVED) == [Action.CHOOSE_MECHANISM, Action.ACTIVATE, Action.CANCEL]
    assert allowed_actions(S.ACTIVE) == [Action.CHOOSE_MECHANISM, Action.REASSESS, Action.CANCEL, Action.CLOSE]
