"""A live direct payment varied from a date (DirectPaymentVaried through payments.agreements): the days
already paid are corrected exactly on the next payment, a stale version changes nothing, and a change of
cycle to weekly is paid in the weekly runs. Against Postgres alone, driving the payments HTTP API."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.handlers.agreements import AGREEMENTS
from tests.db.payments.dp_helpers import agreed, lines_of, paid_run, variation, working_day_on_or_after
from tests.integration.payments.payments_helpers import direct_payment, working_day_after

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def test_a_raised_amount_corrects_the_days_already_paid_and_a_stale_version_changes_nothing(db):
    start = working_day_after(7)
    async with db.http(app) as client:
        dp = await agreed(db, start)  # £2,000 a day
        first = await paid_run(db, client, start, dp.agreement_id)
        assert lines_of(first) == [("direct_payment", start.isoformat(), (start + timedelta(days=27)).isoformat(),
                                    56_000)]
        changed = start + timedelta(days=14)
        await db.send(AGREEMENTS, variation(dp, 2, changed, amount_per_four_weeks_pence=84_000,
                                            weekly_budget_pence=21_000))
        late = variation(dp, 2, start, amount_per_four_weeks_pence=28_000, weekly_budget_pence=7_000)
        await db.send(AGREEMENTS, late)  # the same version again (e.g. replayed with a new id): ignored
        assert db.dead == []
        [adjustment] = await db.fetch("SELECT * FROM direct_payment_adjustments")
        # 14 days from the change, paid at £2,000 a day, now £3,000: £14,000 more.
        assert (adjustment["amount_pence"], adjustment["effective_from"], adjustment["effective_until"]) == (
            14_000, changed, None)
        [row] = await db.fetch("SELECT amount_per_four_weeks_pence, terms_version FROM direct_payments")
        assert tuple(row) == (84_000, 2)
        pay_date = working_day_on_or_after(start + timedelta(days=28))
        second = await paid_run(db, client, pay_date, dp.agreement_id)
        next_start = start + timedelta(days=28)
        assert lines_of(second) == [
            ("direct_payment", next_start.isoformat(), (next_start + timedelta(days=27)).isoformat(), 84_000),
            ("adjustment", next_start.isoformat(), next_start.isoformat(), 14_000)]
        settled = await db.fetch("SELECT settled_by FROM direct_payment_adjustments")
        assert [r["settled_by"] for r in settled] == [second["run_id"]]


async def test_a_higher_contribution_takes_back_from_the_next_payment_what_was_paid_for_the_days_after(db):
    start = working_day_after(7)
    async with db.http(app) as client:
        dp = await agreed(db, start)
        await paid_run(db, client, start, dp.agreement_id)
        # Contribution from £0 to £17.50 a week, from day 20: the net falls to £490 per week for 8 days.
        await db.send(AGREEMENTS, variation(dp, 2, start + timedelta(days=20), amount_per_four_weeks_pence=49_000,
                                            weekly_contribution_pence=1_750))
        [row] = await db.fetch("SELECT amount_per_four_weeks_pence, contribution_per_four_weeks_pence"
                               " FROM direct_payments")
        assert tuple(row) == (56_000, 7_000)  # the budget stays; the contribution is kept apart
        [adjustment] = await db.fetch("SELECT amount_pence FROM direct_payment_adjustments")
        assert adjustment["amount_pence"] == 14_000 - 16_000  # 8 days: £140 due, £160 paid


async def test_an_older_version_arriving_after_a_newer_one_changes_nothing(db):
    start = working_day_after(7)
    dp = await agreed(db, start)
    await db.send(AGREEMENTS, variation(dp, 3, start, amount_per_four_weeks_pence=84_000))
    await db.send(AGREEMENTS, variation(dp, 2, start, amount_per_four_weeks_pence=28_000))
    await db.send(AGREEMENTS, dp.model_copy(update={"amount_per_four_weeks_pence": 28_000}))  # agreed again: stale
    [row] = await db.fetch("SELECT amount_per_four_weeks_pence, terms_version FROM direct_payments")
    assert tuple(row) == (84_000, 3)


async def test_a_direct_payment_changed_to_weekly_is_regridded_and_paid_in_the_weekly_runs(db):
    start = working_day_after(7)
    async with db.http(app) as client:
        dp = await agreed(db, start)
        await paid_run(db, client, start, dp.agreement_id)
        changed = start + timedelta(days=10)
        await db.send(AGREEMENTS, variation(dp, 2, changed, cycle="weekly"))
        assert await db.fetch("SELECT * FROM direct_payment_adjustments") == []  # the same amount a day
        [terms] = await db.fetch("SELECT * FROM direct_payment_terms WHERE effective_from = $1", changed)
        assert (terms["cycle"], terms["anchor"]) == ("weekly", changed)
        # The first weekly run (Wednesday) paying on or after the day after the four weeks paid.
        paid_to = start + timedelta(days=27)
        wednesday = paid_to + timedelta(days=(2 - paid_to.weekday()) % 7 or 7)
        while not (wednesday.weekday() == 2 and working_day_on_or_after(wednesday) == wednesday):
            wednesday += timedelta(days=7)
        proposed = await client.post("/payment-runs", json={"pay_date": wednesday.isoformat(), "kind": "weekly",
                                                            "providers": []},
                                     headers=db.auth("finance_officer", subject="u-maker"))
        assert proposed.status_code == 201, proposed.text
        [payment] = [p for p in proposed.json()["payments"] if p["payee_id"] == dp.agreement_id]
        periods = [(ln["period_start"], ln["period_end"], ln["amount_pence"]) for ln in payment["lines"]]
        # Weekly periods counted from the change: the first cut at the first unpaid day, pro rata by day.
        first_day = start + timedelta(days=28)
        grid_end = changed + timedelta(days=((first_day - changed).days // 7 + 1) * 7 - 1)
        days = (grid_end - first_day).days + 1
        assert periods[0] == (first_day.isoformat(), grid_end.isoformat(), 2_000 * days)
        expected, day = [], grid_end + timedelta(days=1)
        while day < wednesday + timedelta(days=7):  # then whole weeks starting before the next weekly run
            expected.append((day.isoformat(), (day + timedelta(days=6)).isoformat(), 14_000))
            day += timedelta(days=7)
        assert periods[1:] == expected


async def test_a_run_proposed_before_a_variation_of_what_it_pays_is_not_approved(db):
    start = working_day_after(7)
    checker = db.auth("finance_approver", subject="u-checker")
    async with db.http(app) as client:
        dp = await agreed(db, start)
        first = await paid_run(db, client, start, dp.agreement_id, approve=False)
        # Same net amount (a higher budget and contribution): what the run pays stands, and it is approved.
        await db.send(AGREEMENTS, variation(dp, 2, start, weekly_budget_pence=15_000, weekly_contribution_pence=1_000))
        assert (await client.post(f"/payment-runs/{first['run_id']}/approve", headers=checker)).status_code == 200
        pay_date = working_day_on_or_after(start + timedelta(days=28))
        stale = await paid_run(db, client, pay_date, dp.agreement_id, approve=False)
        await db.send(AGREEMENTS, variation(dp, 3, start + timedelta(days=35), amount_per_four_weeks_pence=84_000))
        refused = await client.post(f"/payment-runs/{stale['run_id']}/approve", headers=checker)
        assert refused.status_code == 409 and "changed since the run was proposed" in refused.text
        fresh = await paid_run(db, client, pay_date, dp.agreement_id)
        assert [ln[3] for ln in lines_of(fresh)] == [14_000, 63_000]  # 7 days at £2,000, then 21 at £3,000


async def test_a_variation_of_a_payment_not_yet_known_stands_and_the_agreement_after_it_is_ignored(db):
    start = working_day_after(7)
    dp = direct_payment(start, weekly_budget=14_000)
    await db.send(AGREEMENTS, variation(dp, 2, start + timedelta(days=3), amount_per_four_weeks_pence=84_000,
                                        cycle="weekly"))
    await db.send(AGREEMENTS, dp)
    assert db.dead == []
    [row] = await db.fetch("SELECT start, amount_per_four_weeks_pence, cycle, terms_version FROM direct_payments")
    assert tuple(row) == (start, 84_000, "weekly", 2)
