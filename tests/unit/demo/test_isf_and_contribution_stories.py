"""The demo council's ISF and contribution stories (issue 16) hold for the sizes that run them (the
end-to-end month, the reliability month, `make run`), and the returns the providers send say what
the scenario means them to; tests/e2e/expected_isf.py works out, from the council alone, a next
payment the provider's overpayment can come out of."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from shared.demo.council import weekly_cost
from shared.demo.isf import periods_due_by, pounds, return_csv, return_lines
from shared.demo.ledger import Ledger, RunDone
from shared.demo.people import generate
from tests.e2e import expected_isf, rules

TODAY = date(2026, 12, 7)
SIZES = [(7, 200, 10), (3, 30, 4), (1, 500, 20)]  # e2e, reliability, make run


@dataclass
class FakeMonth:
    """What expected_isf reads of a MonthRun: the council, and a ledger as the scenario fills it."""

    council: object
    ledger: Ledger = field(default_factory=Ledger)
    folder: Path = Path(".")


def month_of(seed: int, people: int, providers: int, pay_date: date) -> FakeMonth:
    month = FakeMonth(generate(seed, people=people, providers=providers, tag="DTEST01", today=TODAY))
    month.ledger.runs["four_weekly"] = RunDone("four_weekly", "RUN", pay_date, 0)
    for p in month.council.of_care("isf"):
        if p.isf_return:
            month.ledger.isf.sent[p.ref] = return_lines(p.isf_return, expected_isf.advance(month, p), p.weekly_units)
    return month


@pytest.mark.parametrize("seed, people, providers", SIZES)
def test_each_size_tells_every_isf_and_contribution_story(seed, people, providers):
    council = generate(seed, people=people, providers=providers, tag="DTEST01", today=TODAY)
    isfs = council.of_care("isf")
    (late,) = [p for p in isfs if p.death_notified_late]
    assert late.died_on == council.month.day(2, 3) and late.weekly_contribution_pence == 0
    assert sum(1 for p in isfs if p.provider_key == late.provider_key) >= 4
    assert sorted(p.isf_return for p in isfs if p.isf_return) == ["csv_whole", "json_surplus"]
    surplus = next(p for p in isfs if p.isf_return == "json_surplus")
    assert surplus.weekly_contribution_pence > 0 and surplus.died_on is None
    full = next(p for p in council.people if p.charged == "full")
    capped = next(p for p in council.people if p.charged == "capped")
    assert full.care == "residential" and full.died_on is None and full.weekly_contribution_pence > 0
    assert capped.care == "home_care" and capped.hospital and capped.weekly_contribution_pence == capped.weekly_budget_pence
    assert all(p.weekly_contribution_pence <= p.weekly_budget_pence for p in council.people)


@pytest.mark.parametrize("seed, people, providers", SIZES)
def test_the_capped_charge_is_capped_whatever_the_visits_delivered(seed, people, providers):
    """Even every planned visit on every day of care, at the highest rate the provider charges, costs
    less than the contribution for those days."""
    council = generate(seed, people=people, providers=providers, tag="DTEST01", today=TODAY)
    person = next(p for p in council.people if p.charged == "capped")
    provider = council.provider(person.provider_key)
    top = max((provider.weekend_pence, *(provider.rate_change[1:] if provider.rate_change else ())))
    days = expected_isf.care_days(council.month, person)
    most = sum(weekly_cost(tuple(s for s in person.schedule if s.weekday == d.weekday()), top) for d in days)
    assert most < rules.contribution_due(person.weekly_contribution_pence, len(days))


@pytest.mark.parametrize("seed, people, providers", SIZES)
@pytest.mark.parametrize("run_day", [30, 58])  # the month's run on the current or the next period's Wednesday
def test_the_providers_next_payment_is_more_than_the_overpayment_it_repays(seed, people, providers, run_day):
    month = month_of(seed, people, providers, TODAY)
    month.ledger.runs["four_weekly"].pay_date = month.council.month.first + timedelta(days=run_day)
    late = expected_isf.told_late(month)
    over = expected_isf.overpayments(month)
    assert [days for days, _ in over.values()] == [10] + [28] * (len(over) - 1)
    assert len(over) == (2 if run_day == 30 else 3)
    assert expected_isf.next_run_by_provider(month)[late.provider_key] > 0
    surplus = expected_isf.returned(month, "json_surplus")
    assert surplus.balance == surplus.budget - surplus.spend and surplus.reclaim == surplus.balance - surplus.retained > 0
    assert expected_isf.returned(month, "csv_whole").reclaim == 0


@pytest.mark.parametrize("story, share", [("json_surplus", Decimal("0.6")), ("csv_whole", Decimal(1))])
def test_a_return_spends_its_share_of_the_budget_partly_through_a_sub_contractor(story, share):
    lines = return_lines(story, 123_457, Decimal("22.5"))
    assert sum(line["spend_pence"] for line in lines) == int(123_457 * share)
    assert [line["subcontractor"] is None for line in lines] == [True, False]
    assert all(Decimal(line["hours"]).as_tuple().exponent == -2 for line in lines)
    assert sum(Decimal(line["hours"]) for line in lines) == Decimal("22.5") * 4 * share


def test_the_csv_return_says_the_same_in_pounds():
    lines = return_lines("csv_whole", 98_765, Decimal("18"))
    rows = list(csv.DictReader(io.StringIO(return_csv("D1-0001", date(2026, 11, 9), lines))))
    assert [(r["person_ref"], r["period_start"], r["support_type"], r["subcontractor"] or None, r["hours"],
             int(Decimal(r["spend"]) * 100), r["over_budget_reason"]) for r in rows] == [
        ("D1-0001", "2026-11-09", ln["support_type"], ln["subcontractor"], ln["hours"], ln["spend_pence"], "")
        for ln in lines]
    assert pounds(5) == "0.05" and pounds(123_456) == "1234.56"
    with pytest.raises(ValueError):
        pounds(-1)


@pytest.mark.parametrize("pay_day, periods", [(30, 2), (55, 2), (56, 3), (58, 3)])
def test_the_months_run_pays_the_advances_due_by_its_pay_date(pay_day, periods):
    first = date(2026, 11, 9)
    pay_date = first + timedelta(days=pay_day)
    assert len(periods_due_by(first, pay_date)) == periods
    assert list(periods_due_by(first, pay_date)) == rules.advances_due_by(first, pay_date)
