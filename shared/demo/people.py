"""The demo council's people and the stories a month holds for a few of them.

`generate(seed, people=N, providers=P, tag=...)` is the whole council: the same seed gives the same
people, providers, schedules and stories; the tag only keeps references unique on a shared stack.
Stories: a death (home care, and one in a care home: its plan is paid pro rata), a hospital
admission (suspended the day after, resumed a week later), a missed visit a person asks about, home
care and a personal assistant bought from a council-managed direct payment, and a person's direct
payment varied after a reassessment, its return audited and its surplus reclaimed. ISFs (issue 16):
a provider's return spending 60% of the month's budget (its surplus reclaimed from the next
advance), another's CSV return spending all of it, and a death told two weeks late (its
overpayment recovered from the provider's next payment); contributions charged for the month, one
in full (a care home resident) and one capped at the cost of the care delivered (the hospital stay:
a contribution equal to the budget, a week of care not delivered).
"""
from __future__ import annotations

import random
import secrets
from datetime import date
from decimal import Decimal

from shared.demo.council import (FIRST, LAST, TOWNS, SCHEDULES, Council, Person, Provider, Slot, random_schedule,
                                 weekly_cost, build_providers)
from shared.demo.month import Month
from shared.demo.assistants import pa_weekly_gross_pence
from shared.clock import london_date, utcnow

NOMINEES = ("council", "person", "third_party")


def new_tag() -> str:
    """A run's tag: 'D' and 6 hex digits, so references are unique on a shared stack."""
    return "D" + secrets.token_hex(3).upper()


def generate(seed: int = 1, *, people: int = 500, providers: int = 20, tag: str | None = None,
             today: date | None = None) -> Council:
    if providers < 4:
        raise ValueError("the demo council needs at least 4 providers (home care, a care home, supported living)")
    if people < 16:
        raise ValueError("the demo council needs at least 16 people to tell every story")
    tag = tag or new_tag()
    month = Month.latest_over(today or london_date(utcnow()))
    rng = random.Random(seed)
    registered = build_providers(rng, tag, providers, month)
    return Council(seed, tag, month, tuple(registered), tuple(_people(rng, tag, people, registered, month)))


def _people(rng: random.Random, tag: str, n: int, providers: list[Provider], month: Month) -> list[Person]:
    dp, isf, res = max(3, n * 8 // 100), max(4, n * 4 // 100), max(2, n * 10 // 100)
    home = n - dp - isf - res
    of = {kind: [p for p in providers if p.service_type == kind]
          for kind in ("home_care", "residential", "supported_living")}
    out: list[Person] = []
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        address = f"{rng.randrange(1, 200)} {rng.choice(LAST)} Road, {rng.choice(TOWNS)}"
        base = dict(index=i, ref=f"{tag}-{i + 1:04d}", name=name, address=address)
        contribution = rng.choice((0, 0, 0, 1250, 2575, 4000))
        if i < home:
            provider = of["home_care"][i % len(of["home_care"])]
            schedule = random_schedule(rng)
            if i == 2 * len(of["home_care"]):  # someone surely needs two carers
                schedule = tuple(Slot(d, s, m, c) for days, s, m, c in SCHEDULES["double-up"][1] for d in days)
            budget = -(-weekly_cost(schedule, provider.weekend_pence + 200) * 11 // 1000) * 100
            out.append(Person(**base, care="home_care", provider_key=provider.key, weekly_budget_pence=budget,
                              weekly_contribution_pence=contribution, schedule=schedule))
        elif i < home + res:
            provider = of["residential"][(i - home) % len(of["residential"])]
            out.append(Person(**base, care="residential", provider_key=provider.key,
                              weekly_budget_pence=provider.weekly_pence * 105 // 100,
                              weekly_contribution_pence=contribution, weekly_units=Decimal(1)))
        elif i < home + res + isf:
            provider = of["supported_living"][(i - home - res) % len(of["supported_living"])]
            hours = Decimal(rng.choice(("12.5", "18", "22.5", "30")))
            out.append(Person(**base, care="isf", provider_key=provider.key, weekly_units=hours,
                              weekly_budget_pence=int(hours * provider.hourly_pence * Decimal("1.05")),
                              weekly_contribution_pence=contribution))
        else:
            out.append(Person(**base, care="direct_payment", provider_key=None,
                              weekly_budget_pence=rng.randrange(15000, 45000, 500),
                              weekly_contribution_pence=contribution, nominee=NOMINEES[(i - home - res - isf) % 3]))
    return _with_stories(out, month, {p.key for p in providers if p.self_billing},
                         {p.key: p.hourly_pence for p in providers})


def _with_stories(people: list[Person], month: Month, self_billed: set[str], hourly: dict[str, int]) -> list[Person]:
    """Give the first suitable people their stories: home care every day, one carer, self-billed (a
    provider's own invoice for a week naming several people is left unpaid by payments when one of
    them died that week: see the README's open points)."""
    daily = [p for p in people if p.care == "home_care" and {s.weekday for s in p.schedule} == set(range(7))
             and all(s.carers == 1 for s in p.schedule) and p.provider_key in self_billed]
    if len(daily) < 4:
        raise ValueError("too few home-care clients with daily visits for the month's stories: add people")
    died, admitted, asks, managed = daily[0], daily[1], daily[2], daily[3]
    # The largest of the direct payments people hold themselves: its next payment covers the reclaim.
    own_dp = max((p for p in people if p.care == "direct_payment" and p.nominee == "person"),
                 key=lambda p: (p.weekly_budget_pence - p.weekly_contribution_pence, -p.index))
    stories = {
        died.index: {"died_on": month.day(2, 1)},  # the Tuesday of week 3
        admitted.index: {"hospital": (month.day(2, 3), month.day(3, 2))},  # Thursday week 3, back Wednesday week 4
        asks.index: {"missed_query": True},
        next(p for p in people if p.care == "residential").index: {"died_on": month.day(1, 4)},  # Friday week 2
        # The council as nominee buys this person's home care, and a PA's hours, from their managed account.
        managed.index: {"managed_dp": True, "nominee": "council",
                        "weekly_budget_pence": managed.weekly_budget_pence + pa_weekly_gross_pence()},
        own_dp.index: {"dp_varied_from": month.day(2, 2)},  # reassessed: contribution up from Wednesday week 3
    }
    # Charged in full: a care home resident (the care costs far more than the contribution). Capped: the
    # hospital stay, its contribution the whole budget (a budget is above the planned visits' cost).
    resident = [p for p in people if p.care == "residential"][1]
    stories[resident.index] = {"charged": "full", "weekly_contribution_pence": 4000}
    stories[admitted.index] |= {"charged": "capped", "weekly_contribution_pence": admitted.weekly_budget_pence}
    stories |= _isf_stories(people, month, hourly)
    return [Person(**{**p.__dict__, **stories.get(p.index, {})}) for p in people]


def _isf(hours: str, hourly_pence: int) -> dict:
    units = Decimal(hours)
    return {"weekly_units": units, "weekly_budget_pence": int(units * hourly_pence * Decimal("1.05"))}


def _isf_stories(people: list[Person], month: Month, hourly: dict[str, int]) -> dict[int, dict]:
    """The ISF provider holding the most funds: one of its people dies on the Thursday of week 3, told
    two weeks late (the fewest hours, no contribution: the other funds' next advances there outweigh
    what is recovered); another's return spends 60% of the month's budget (18 hours a week: a week's
    budget in whole pence), a contribution besides; a third's CSV return spends all of it."""
    funds: dict[str, list[Person]] = {}
    for p in people:
        if p.care == "isf":
            funds.setdefault(p.provider_key, []).append(p)
    shared = max(funds.values(), key=len)
    if len(shared) < 4:
        raise ValueError("too few ISFs at one provider for the ISF stories: add people")
    died, surplus, whole = shared[0], shared[1], shared[2]
    return {
        died.index: {**_isf("12.5", hourly[died.provider_key]), "died_on": month.day(2, 3),
                     "death_notified_late": True, "weekly_contribution_pence": 0},
        surplus.index: {**_isf("18", hourly[surplus.provider_key]), "isf_return": "json_surplus",
                        "weekly_contribution_pence": 2575},
        whole.index: {"isf_return": "csv_whole"},
    }
