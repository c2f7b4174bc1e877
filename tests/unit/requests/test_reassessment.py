"""Reassessing an active request: a new budget from a date, announced with the one before it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts.requests import BudgetReassessed
from services.requests.domain.access import COUNCIL_WIDE, READERS, may
from services.requests.domain.errors import InvalidInput
from services.requests.domain.lifecycle import Action, RequestStatus
from services.requests.domain.reassessment import Reassessment
from tests.unit.requests.request_builders import request_in

SERVICE_START = date(2026, 11, 23)  # the builders' activation date


def test_an_active_request_is_reassessed_from_a_date_and_stays_active():
    active = request_in(RequestStatus.ACTIVE)
    reassessment = Reassessment.new(SERVICE_START + timedelta(days=28), 50_000, 6_000)
    step = active.reassess(reassessment)
    assert (step.action, step.before, step.request.status) == (Action.REASSESS, RequestStatus.ACTIVE,
                                                              RequestStatus.ACTIVE)
    assert step.request.budget.weekly_budget_pence == 50_000
    assert step.event == BudgetReassessed(
        request_id=active.request_id, person_ref=active.person_ref, reassessment_id=reassessment.reassessment_id,
        effective_from=SERVICE_START + timedelta(days=28), weekly_budget_pence=50_000, weekly_contribution_pence=6_000,
        previous_weekly_budget_pence=45_000, previous_weekly_contribution_pence=5_000)
    assert reassessment.reassessment_id.startswith("RAS-")


@pytest.mark.parametrize("status", [s for s in RequestStatus if s is not RequestStatus.ACTIVE])
def test_only_an_active_request_is_reassessed_refused_naming_its_status(status):
    with pytest.raises(InvalidInput, match=f"is {status.value}: only an active request") as caught:
        request_in(status).reassess(Reassessment.new(SERVICE_START, 50_000, 0))
    assert caught.value.field == "status"


def test_a_reassessment_may_not_start_before_the_service():
    with pytest.raises(InvalidInput) as caught:
        request_in(RequestStatus.ACTIVE).reassess(Reassessment.new(SERVICE_START - timedelta(days=1), 50_000, 0))
    assert (caught.value.field, caught.value.rule) == ("effective_from", f"must not be before the request's start "
                                                                         f"{SERVICE_START}")
    assert request_in(RequestStatus.ACTIVE).reassess(Reassessment.new(SERVICE_START, 50_000, 0)).request.budget


@pytest.mark.parametrize("budget, contribution, field", [(40_000, 40_001, "weekly_contribution_pence"),
                                                         (-1, 0, "weekly_budget_pence"),
                                                         (40_000, True, "weekly_contribution_pence")])
def test_the_new_budget_follows_the_budgets_rules(budget, contribution, field):
    with pytest.raises(InvalidInput) as caught:
        Reassessment.new(SERVICE_START, budget, contribution)
    assert caught.value.field == field


def test_a_social_worker_or_a_team_manager_reassesses_and_a_team_manager_reads_nothing():
    assert {r for r in ("person", "social_worker", "brokerage_officer", "team_manager", "finance_officer")
            if may(r, Action.REASSESS)} == {"social_worker", "team_manager"}
    assert COUNCIL_WIDE == {"team_manager"} and not COUNCIL_WIDE & READERS
