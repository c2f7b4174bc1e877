"""What the ISFs and the contributions of the month should come to (issue 16), worked out from the
council's own data and what the providers sent (each return's lines as sent) with rules.py — never
from the services.

- An ISF's advance for a period is its plan price: weekly units x the provider's hourly rate over the
  period's payable days. The month's four-weekly run pays every advance due (on its period's first
  day) by its pay date; the next four-weekly run the advances of the period after, for every fund
  that had not ended before it.
- A return leaves the provider holding the month's advance less what it spent; above one week's
  budget (the plan's weekly cost) the excess is credited against the next advance.
- The death told late: each advance the month's run paid is credited for its days after the death,
  pro rata (half up, once per line), and the provider's next payment is reduced by the credits.
- A person's charge for the month: the weekly contribution for each day of council-arranged care or
  ISF (active, not suspended, not after the end) / 7, never more than the cost of the care delivered
  (confirmed visits; a plan's price for its payable days).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from tests.e2e import expected, rules


def _hourly(run, person) -> int:
    return run.council.provider(person.provider_key).hourly_pence


def advance(run, person, days: int = 28) -> int:
    """An ISF's plan price for `days` payable days of one period."""
    return rules.plan_amount(str(person.weekly_units), _hourly(run, person), days)


def week_budget(run, person) -> int:
    """The plan's weekly cost: what the provider may keep (one week)."""
    return advance(run, person, 7)


def first_run_periods(run) -> list[date]:
    return rules.advances_due_by(run.council.month.first, run.ledger.runs["four_weekly"].pay_date)


def next_period(run) -> date:
    return max(first_run_periods(run)) + rules.FOUR_WEEKS


def told_late(run):
    return next(p for p in run.council.of_care("isf") if p.death_notified_late)


def advances(run) -> dict[tuple[str, date], int]:
    """(person, period start) -> pence: every period the month's run paid (the death was not yet known),
    and the next one for each fund that had not ended before it."""
    out = {}
    for person in run.council.of_care("isf"):
        for start in first_run_periods(run):
            out[(person.ref, start)] = advance(run, person)
        if not (person.died_on and person.died_on < next_period(run)):
            out[(person.ref, next_period(run))] = advance(run, person)
    return out


def by_support(lines: list[dict]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for line in lines:
        out[line["support_type"]] += line["spend_pence"]
    return dict(out)


def by_subcontractor(lines: list[dict]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for line in lines:
        if line["subcontractor"]:
            out[line["subcontractor"]] += line["spend_pence"]
    return dict(out)


@dataclass(frozen=True)
class Returned:
    person: object
    budget: int
    spend: int
    balance: int  # what the provider holds after the return
    retained: int  # what it may keep
    reclaim: int  # the excess credited (0: none)


def returned(run, story: str) -> Returned:
    person = next(p for p in run.council.of_care("isf") if p.isf_return == story)
    budget = advance(run, person)
    spend = sum(line["spend_pence"] for line in run.ledger.isf.sent[person.ref])
    balance, retained = budget - spend, week_budget(run, person)
    return Returned(person, budget, spend, balance, retained, max(0, balance - retained))


def overpayments(run) -> dict[date, tuple[int, int]]:
    """Period start -> (days after the death, pence credited) for each advance the month's run paid."""
    person = told_late(run)
    out = {}
    for start in first_run_periods(run):
        last = start + timedelta(days=27)
        after = min(28, (last - person.died_on).days)
        if after > 0:
            out[start] = (after, rules.pro_rata(advance(run, person), after))
    return out


def four_weekly_run_by_provider(run) -> dict[str, int]:
    """The month's four-weekly run, by provider key: the care homes' scheduled invoices, and each ISF
    provider's advances of the periods due by the pay date less the surplus credited."""
    owed: dict[str, int] = defaultdict(int, expected.plan_by_provider(run))
    periods = set(first_run_periods(run))
    people = {p.ref: p for p in run.council.of_care("isf")}
    for (ref, start), pence in advances(run).items():
        if start in periods:
            owed[people[ref].provider_key] += pence
    surplus = returned(run, "json_surplus")
    owed[surplus.person.provider_key] -= surplus.reclaim
    return dict(owed)


def next_run_by_provider(run) -> dict[str, int]:
    """The next four-weekly run, by ISF provider key: the next period's advances less the overpayments."""
    owed: dict[str, int] = defaultdict(int)
    people = {p.ref: p for p in run.council.of_care("isf")}
    for (ref, start), pence in advances(run).items():
        if start == next_period(run):
            owed[people[ref].provider_key] += pence
    owed[told_late(run).provider_key] -= sum(pence for _, pence in overpayments(run).values())
    return dict(owed)


def isf_invoiced_by_provider(run) -> dict[str, int]:
    """What reporting counts as ISF spend invoiced, by provider key: the advances less the credit notes."""
    owed: dict[str, int] = defaultdict(int)
    people = {p.ref: p for p in run.council.of_care("isf")}
    for (ref, _), pence in advances(run).items():
        owed[people[ref].provider_key] += pence
    surplus = returned(run, "json_surplus")
    owed[surplus.person.provider_key] -= surplus.reclaim
    owed[told_late(run).provider_key] -= sum(pence for _, pence in overpayments(run).values())
    return dict(owed)


@dataclass(frozen=True)
class Charge:
    contribution: int  # the weekly contribution for each day of care
    cost: int  # the care delivered
    days: int

    @property
    def charged(self) -> int:
        return min(self.contribution, self.cost)

    @property
    def capped(self) -> bool:
        return self.cost < self.contribution


def care_days(month, person) -> list[date]:
    days = [d for d in month.days() if not (person.died_on and d > person.died_on)]
    if person.hospital:
        days = [d for d in days if not (person.suspended_from <= d < person.hospital[1])]
    return days


def charges(run, weeks) -> dict[str, Charge]:
    """Person -> the month's charge, for everyone with council-funded arranged care or an ISF (not a
    direct payment, nor care bought from a managed account)."""
    council, ledger = run.council, run.ledger
    out = {}
    for person in council.people:
        if person.care == "direct_payment" or person.managed_dp:
            continue
        days = care_days(council.month, person)
        provider = council.provider(person.provider_key)
        if person.care == "home_care":
            aid = ledger.agreement_ids[person.ref]
            cost = sum(expected.week_total(weeks.get((aid, monday), {})) for monday in council.month.weeks)
        elif person.care == "residential":
            cost = rules.plan_amount(str(person.weekly_units), provider.weekly_pence, len(days))
        else:
            cost = advance(run, person, len(days))
        out[person.ref] = Charge(rules.contribution_due(person.weekly_contribution_pence, len(days)), cost, len(days))
    return out
