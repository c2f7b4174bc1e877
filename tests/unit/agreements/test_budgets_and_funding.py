"""The budget in force on a day, and which direct payment may fund an agreement."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.agreements import EndReason
from contracts.common import Funding, Nominee
from services.agreements.domain.budgets import BudgetDecision, budget_in_force
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.errors import Conflict
from services.agreements.domain.funding import check_managed_funding

T0 = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
START = date(2026, 3, 2)


def test_an_agreed_budget_is_in_force_at_once_and_a_later_reassessment_from_its_date():
    agreed = BudgetDecision(30_000, 5_000, T0)
    reassessed = BudgetDecision(20_000, 5_000, T0 + timedelta(days=10), date(2026, 4, 1), "RAS-1")
    assert budget_in_force([], START) is None
    assert budget_in_force([agreed, reassessed], date(2026, 3, 31)) is agreed
    assert budget_in_force([agreed, reassessed], date(2026, 4, 1)) is reassessed
    # A budget agreed with a new request afterwards replaces the reassessment at once.
    newer = BudgetDecision(40_000, 0, T0 + timedelta(days=20))
    assert budget_in_force([agreed, reassessed, newer], date(2026, 5, 1)) is newer
    # Of two reassessments in force, the one decided last wins (even with an earlier date).
    back = BudgetDecision(25_000, 5_000, T0 + timedelta(days=30), date(2026, 3, 15), "RAS-2")
    assert budget_in_force([agreed, reassessed, back], date(2026, 4, 2)) is back


def payment(nominee: Nominee = Nominee.COUNCIL, person: str = "P-1") -> DirectPayment:
    draft = DirectPayment("DP-1", person, 30_000, 5_000, START)
    return draft.complete(nominee=nominee, start=START, first_review=None, payee_set_by="u-1").agree("u-2")


@pytest.mark.parametrize("found, why", [
    (None, "there is no direct payment DP-1"),
    (DirectPayment("DP-1", "P-1", 30_000, 5_000, START, nominee=Nominee.COUNCIL), "is draft"),
    (payment().end_on(date(2027, 1, 1), EndReason.OTHER), "is ended"),
    (payment(Nominee.PERSON), "received by person, not managed by the council"),
    (payment(Nominee.THIRD_PARTY), "received by third_party"),
    (payment(person="P-2"), "another person's"),
])
def test_a_managed_account_funds_only_the_same_persons_agreed_council_managed_payment(found, why):
    with pytest.raises(Conflict, match=why) as caught:  # the named payment's state: 409
        check_managed_funding(Funding.MANAGED_ACCOUNT, "DP-1", "P-1", found)
    assert caught.value.field == "direct_payment_id"


def test_the_council_funds_without_a_payment_and_a_live_managed_one_funds_its_persons_care():
    check_managed_funding(Funding.COUNCIL, None, "P-1", None)
    check_managed_funding(Funding.MANAGED_ACCOUNT, "DP-1", "P-1", payment())
