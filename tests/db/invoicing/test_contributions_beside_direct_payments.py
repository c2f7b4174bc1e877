"""A person with a direct payment and arranged care on the same days pays the contribution once: the direct
payment is paid net of it, so a day with a direct payment in force is no day of contribution. invoicing
learns each direct payment's days from agreements.events (its start from DirectPaymentAgreed/Varied, its
end from DirectPaymentEnded, each latest-wins by occurred_at) and computes again at once the periods
already charged that they change."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts import agreements as ag
from contracts.common import Nominee
from services.invoicing.app import app
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.requests import REQUESTS
from shared.testing import DatabaseOnly
from tests.conftest import unique
from tests.db.invoicing.test_contributions_charged import PERIOD, START, agreed, charged, day, plan_agreement

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


def direct_payment(dp_id: str, person: str, start: date) -> ag.DirectPaymentAgreed:
    # £100.00 a week budget less the £50.00 contribution: the contribution is already netted.
    return ag.DirectPaymentAgreed(agreement_id=dp_id, person_ref=person, nominee=Nominee.PERSON, start=start,
                                  amount_per_four_weeks_pence=4 * 5_000, weekly_budget_pence=10_000,
                                  weekly_contribution_pence=5_000, first_review_due=start + timedelta(days=90))


def ended(dp_id: str, person: str, end: date) -> ag.DirectPaymentEnded:
    return ag.DirectPaymentEnded(agreement_id=dp_id, person_ref=person, end=end, reason=ag.EndReason.OTHER)


def moments(e) -> tuple:
    return e["period_start"], e["revision"], e["charged_pence"], e["change_pence"]


async def test_days_with_a_direct_payment_in_force_are_not_charged_for_arranged_care_again(db):
    both, care_only = unique("P-DP"), unique("P-DP")
    dp_id = unique("DP")
    await db.send(AGREEMENTS, plan_agreement(both), plan_agreement(care_only), direct_payment(dp_id, both, day(14)))
    await db.send(REQUESTS, agreed(both, 5_000), agreed(care_only, 5_000))
    assert db.dead == []
    async with db.http(app) as client:
        officer = db.auth("finance_officer")
        run = await client.post("/contribution-charges/runs", json=PERIOD, headers=officer)
        assert run.status_code == 200, run.text
        # 14 days of arranged care alone (£100.00); the 14 with the direct payment in force were netted from it.
        assert run.json()["total_change_pence"] == 10_000 + 20_000
    by_person = {e["person_ref"]: e for e in await charged(db)}
    assert (by_person[both]["contribution_pence"], by_person[both]["charged_pence"]) == (10_000, 10_000)
    assert "14 days of care from 16 Mar 2026 not charged: a direct payment" in by_person[both]["reason"]
    assert by_person[care_only]["charged_pence"] == 20_000


async def test_a_direct_payment_told_after_the_charge_brings_it_down_and_its_end_brings_it_back(db):
    who, dp_id = unique("P-DP"), unique("DP")
    await db.send(AGREEMENTS, plan_agreement(who))
    await db.send(REQUESTS, agreed(who, 5_000))
    async with db.http(app) as client:
        first = await client.post("/contribution-charges", json={**PERIOD, "person_ref": who},
                                  headers=db.auth("finance_officer"))
        assert first.json()["charged_pence"] == 20_000
    # Agreed from the period's first day: the whole period's contribution was the direct payment's.
    agreed_dp = direct_payment(dp_id, who, START)
    [told] = await db.send(AGREEMENTS, agreed_dp)
    # Ended after 14 days (16 Mar on, arranged care alone): those days are charged again.
    end = ended(dp_id, who, day(13))
    [end_told] = await db.send(AGREEMENTS, end)
    # A replay, and an older copy of each arriving late, change nothing.
    await db.send(AGREEMENTS, told, end_told)
    await db.send(AGREEMENTS, db.envelope(ended(dp_id, who, day(3))).model_copy(
        update={"occurred_at": end_told.occurred_at - timedelta(hours=1)}))
    await db.send(AGREEMENTS, db.envelope(direct_payment(dp_id, who, day(20))).model_copy(
        update={"occurred_at": told.occurred_at - timedelta(hours=1)}))
    assert db.dead == []
    assert [moments(e) for e in await charged(db)] == [
        ("2026-03-02", 1, 20_000, 20_000), ("2026-03-02", 2, 0, -20_000), ("2026-03-02", 3, 10_000, 10_000)]
    [window] = await db.fetch("SELECT person_ref, start_on, end_on FROM direct_payment_windows WHERE agreement_id = $1",
                              dp_id)
    assert tuple(window) == (who, START, day(13))
    async with db.http(app) as client:
        again = await client.post("/contribution-charges/runs", json=PERIOD, headers=db.auth("finance_officer"))
        assert again.json()["changed"] == 0
