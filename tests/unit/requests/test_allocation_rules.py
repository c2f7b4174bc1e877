"""Access to a person comes from an allocation, never from acting on the person: who may allocate
whom, and whom each role reaches."""
from __future__ import annotations

import pytest

from services.requests.domain.allocation import NotPermitted, WorkerRole, check_allocation, may_reach
from services.requests.domain.errors import InvalidInput
from shared.auth import OFFICER_ROLES, ROLES, mint_token, verify_token

SECRET = "unit-test-secret-long-enough-for-hs256-keys"


def test_team_manager_is_a_role_and_an_officer_and_may_be_minted():
    assert "team_manager" in ROLES and "team_manager" in OFFICER_ROLES
    token = mint_token(SECRET, subject="u-manager", role="team_manager")
    assert verify_token(SECRET, token).role == "team_manager"


@pytest.mark.parametrize("worker_role", list(WorkerRole))
def test_a_team_manager_allocates_social_workers_and_brokerage_officers(worker_role):
    check_allocation("team_manager", "u-manager", "u-worker", worker_role)


def test_a_brokerage_officer_allocates_brokerage_officers_only():
    check_allocation("brokerage_officer", "u-bo-1", "u-bo-2", WorkerRole.BROKERAGE_OFFICER)
    with pytest.raises(NotPermitted, match="may not allocate a social_worker"):
        check_allocation("brokerage_officer", "u-bo-1", "u-sw-1", WorkerRole.SOCIAL_WORKER)


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"team_manager", "brokerage_officer"}))
def test_no_other_role_allocates_anyone(role):
    for worker_role in WorkerRole:
        with pytest.raises(NotPermitted):
            check_allocation(role, "u-someone", "u-worker", worker_role)


def test_nobody_allocates_a_person_to_themselves():
    with pytest.raises(NotPermitted, match="themselves"):
        check_allocation("brokerage_officer", "u-bo-1", "u-bo-1", WorkerRole.BROKERAGE_OFFICER)
    with pytest.raises(NotPermitted, match="themselves"):
        check_allocation("team_manager", "u-x", "u-x", WorkerRole.SOCIAL_WORKER)


def test_an_allocation_names_its_worker():
    with pytest.raises(InvalidInput) as info:
        check_allocation("team_manager", "u-manager", "  ", WorkerRole.SOCIAL_WORKER)
    assert info.value.field == "worker_id"


@pytest.mark.parametrize("role", ["social_worker", "brokerage_officer"])
def test_a_worker_reaches_a_person_only_when_allocated(role):
    assert may_reach(role, None, "P-1", allocated=True)
    assert not may_reach(role, None, "P-1", allocated=False)


def test_a_person_reaches_only_themselves_whatever_the_allocations():
    assert may_reach("person", "P-1", "P-1", allocated=False)
    assert not may_reach("person", "P-1", "P-2", allocated=True)
    assert not may_reach("person", None, "P-1", allocated=True)


@pytest.mark.parametrize("role", ["team_manager", "finance_officer", "finance_approver", "ops", "provider"])
def test_other_roles_reach_no_ones_requests(role):
    assert not may_reach(role, None, "P-1", allocated=True)
