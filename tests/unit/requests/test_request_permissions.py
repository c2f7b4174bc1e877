"""Who may take each step of a request's lifecycle."""
from __future__ import annotations

import pytest

from services.requests.domain.access import PERMITTED_ROLES, READERS, check_submitter, may
from services.requests.domain.errors import InvalidInput
from services.requests.domain.lifecycle import Action
from services.requests.domain.request import RequestedBy
from shared.auth import ROLES


def roles_that_may(action: Action) -> set[str]:
    return {role for role in ROLES if may(role, action)}


def test_a_person_or_a_social_worker_may_submit_a_request():
    assert roles_that_may(Action.SUBMIT) == {"person", "social_worker"}


def test_only_a_social_worker_assesses_and_agrees_the_budget():
    assert roles_that_may(Action.ASSESS) == {"social_worker"}
    assert roles_that_may(Action.AGREE_BUDGET) == {"social_worker"}


def test_the_person_chooses_the_mechanism_or_a_social_worker_does_on_their_behalf():
    assert roles_that_may(Action.CHOOSE_MECHANISM) == {"person", "social_worker"}


def test_only_a_brokerage_officer_approves_and_closes():
    assert roles_that_may(Action.APPROVE) == {"brokerage_officer"}
    assert roles_that_may(Action.CLOSE) == {"brokerage_officer"}


def test_the_person_and_the_officers_working_the_request_may_cancel_it():
    assert roles_that_may(Action.CANCEL) == {"person", "social_worker", "brokerage_officer"}


def test_no_user_role_may_activate_a_request_only_the_agreements_events_do():
    assert roles_that_may(Action.ACTIVATE) == set()


def test_providers_and_finance_roles_take_no_step_and_read_no_request():
    for role in ("provider", "finance_officer", "finance_approver"):
        assert not any(may(role, action) for action in Action)
        assert role not in READERS


def test_every_role_named_is_a_real_role():
    assert set().union(*PERMITTED_ROLES.values(), READERS) <= set(ROLES)


def test_a_person_may_submit_as_themselves_or_as_a_representative():
    check_submitter("person", RequestedBy.PERSON)
    check_submitter("person", RequestedBy.REPRESENTATIVE)


def test_a_person_may_not_submit_as_a_social_worker():
    with pytest.raises(InvalidInput) as info:
        check_submitter("person", RequestedBy.SOCIAL_WORKER)
    assert info.value.field == "requested_by"


def test_a_social_worker_may_record_a_request_the_person_made():
    check_submitter("social_worker", RequestedBy.PERSON)
