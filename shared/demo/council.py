"""The demo council's people and providers, generated from a seed (the same seed, the same council).

Only what must be unique on a shared stack carries the run's tag: people's references and
providers' CQC IDs. Names, bank accounts, schedules, rates and every story are the seed's alone.

Providers: most do home care (each with one call-monitoring feed: Kafka, HTTP, CSV or XML), some
run care homes (residential, paid on plan) and supported living (individual service funds, ISFs:
each four-weekly period's plan price advanced). People: home care on actuals, residential on plan,
ISFs, and direct payments (one managed by the council).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.demo.month import Month

FEEDS = ("kafka", "http", "csv", "xml")
FIRST = ("Ada", "Bill", "Cora", "Dev", "Edna", "Frank", "Gita", "Harold", "Iris", "Jack", "Kath", "Len", "Mabel",
         "Norman", "Olive", "Percy", "Queenie", "Ravi", "Stan", "Tess", "Una", "Vic", "Wyn", "Yusuf", "Zara")
LAST = ("Adams", "Begum", "Clarke", "Davies", "Evans", "Fisher", "Green", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Morgan", "Nash", "Owen", "Patel", "Quinn", "Roberts", "Shah", "Turner", "Walsh", "Young")
TOWNS = ("Ashby", "Barrow", "Colby", "Dunmore", "Elsworth", "Farleigh", "Greystone", "Hollins", "Ivybridge",
         "Kirkby", "Longford", "Millbrook", "Northam", "Oakley", "Pendle", "Redhill", "Stanton", "Thornby")


@dataclass(frozen=True)
class Bank:
    sort_code: str
    account_number: str
    account_name: str

    def body(self) -> dict[str, str]:
        return {"sort_code": self.sort_code, "account_number": self.account_number, "account_name": self.account_name}


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    cqc_provider_id: str
    cqc_location_id: str
    service_type: str  # home_care, residential or supported_living
    bank: Bank
    new_bank: Bank | None = None  # a change of bank details, verified by a second person
    self_billing: bool = True  # False: it sends its own invoices
    feed: str | None = None  # how its call monitoring arrives (home care only)
    feed_ref: str = ""  # the CQC ID its feed names it by (provider or location ID)
    cycle: str = "weekly"
    rounding: str = "nearest_15"
    hourly_pence: int = 0
    weekend_pence: int = 0
    weekly_pence: int = 0  # residential: a week's rate
    rate_change: tuple[date, int, int] | None = None  # (effective Wednesday, new hourly, new weekend)

    def rates(self, hourly: int | None = None, weekend: int | None = None) -> list[dict]:
        if self.service_type == "residential":
            return [{"unit": "week", "amount_pence": self.weekly_pence}]
        rates = [{"unit": "hour", "amount_pence": hourly or self.hourly_pence}]
        if self.service_type == "home_care":
            rates.append({"unit": "hour", "amount_pence": weekend or self.weekend_pence, "day_category": "weekend"})
        return rates


@dataclass(frozen=True)
class Slot:
    """A visit planned every week: weekday 0 (Monday) to 6, local start time, minutes, carers."""

    weekday: int
    start: str
    minutes: int
    carers: int = 1


@dataclass(frozen=True)
class Person:
    index: int
    ref: str
    name: str
    address: str
    care: str  # home_care, residential, isf or direct_payment
    provider_key: str | None
    weekly_budget_pence: int
    weekly_contribution_pence: int = 0
    nominee: str | None = None  # direct payments: person, third_party or council
    schedule: tuple[Slot, ...] = ()
    weekly_units: Decimal | None = None  # plan: units paid each week
    died_on: date | None = None  # last payable day
    hospital: tuple[date, date] | None = None  # (admitted: its first visit says HOSPITAL, resumed on)
    missed_query: bool = False  # raises a query about a missed visit
    managed_dp: bool = False  # home care bought from a council-managed direct payment, with a PA besides
    dp_varied_from: date | None = None  # a person's direct payment varied from this day after a reassessment
    death_notified_late: bool = False  # died_on is told to agreements only after the month's four-weekly run
    isf_return: str | None = None  # an ISF's return for the month: "json_surplus" or "csv_whole"
    charged: str | None = None  # the month's contribution charge: "full", or "capped" at the cost of care

    @property
    def suspended_from(self) -> date | None:
        return self.hospital[0] + timedelta(days=1) if self.hospital else None


@dataclass(frozen=True)
class Council:
    seed: int
    tag: str
    month: Month
    providers: tuple[Provider, ...]
    people: tuple[Person, ...]

    def provider(self, key: str) -> Provider:
        return next(p for p in self.providers if p.key == key)

    def of_care(self, care: str) -> list[Person]:
        return [p for p in self.people if p.care == care]

    def clients_of(self, key: str) -> list[Person]:
        return [p for p in self.people if p.provider_key == key]


def _digits(text: str, n: int) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[-n:].rjust(n, "0")


SCHEDULES = {  # name: (weight, slots as (weekdays, start, minutes, carers))
    "morning call": (25, [(range(7), "08:00", 30, 1)]),
    "two calls": (35, [(range(7), "08:15", 45, 1), (range(7), "17:30", 30, 1)]),
    "four calls": (15, [(range(7), "07:30", 45, 1), (range(7), "12:00", 30, 1), (range(7), "17:00", 30, 1),
                        (range(7), "20:30", 30, 1)]),
    "double-up": (10, [(range(7), "09:00", 60, 2), (range(7), "18:00", 45, 2)]),
    "weekdays": (15, [(range(5), "10:00", 60, 1)]),
}


def random_schedule(rng: random.Random) -> tuple[Slot, ...]:
    names = list(SCHEDULES)
    name = rng.choices(names, weights=[SCHEDULES[n][0] for n in names])[0]
    return tuple(Slot(d, start, minutes, carers) for days, start, minutes, carers in SCHEDULES[name][1] for d in days)


def weekly_cost(schedule: tuple[Slot, ...], pence: int) -> int:
    return sum(-(-s.minutes * pence * s.carers // 60) for s in schedule)


def build_providers(rng: random.Random, tag: str, count: int, month: Month) -> list[Provider]:
    residential, supported = max(1, count // 8), max(1, count // 10)
    home = count - residential - supported
    out: list[Provider] = []
    for i in range(count):
        key = f"PR{i + 1:02d}"
        kind = "home_care" if i < home else "residential" if i < home + residential else "supported_living"
        town = TOWNS[i % len(TOWNS)]
        name = {"home_care": f"{town} Home Care Ltd", "residential": f"{town} House Care Home",
                "supported_living": f"{town} Supported Living CIC"}[kind]
        cqc, location = "1-" + _digits(f"{tag}/{key}/p", 10), "1-" + _digits(f"{tag}/{key}/l", 11)
        bank = Bank(f"{rng.choice(('20', '30', '40', '60'))}{rng.randrange(10000):04d}",
                    f"{rng.randrange(10**8):08d}", name.upper()[:18])
        new_bank = Bank("309634", f"{rng.randrange(10**8):08d}", name.upper()[:18]) if i % 4 == 1 else None
        hourly = rng.randrange(2150, 2600, 5)
        p = Provider(key, name, cqc, location, kind, bank, new_bank, hourly_pence=hourly,
                     weekend_pence=hourly + rng.randrange(100, 300, 5))
        if kind == "home_care":
            p = _home_care_terms(p, i, month)
        elif kind == "residential":
            p = Provider(**{**p.__dict__, "weekly_pence": rng.randrange(85000, 115000, 100)})
        out.append(p)
    return out


def _home_care_terms(p: Provider, i: int, month: Month) -> Provider:
    feed = FEEDS[i % len(FEEDS)]
    changes: dict = {"feed": feed, "feed_ref": p.cqc_location_id if i == 4 else p.cqc_provider_id}
    if i == 1:
        changes["self_billing"] = False  # sends its own invoices (JSON), one of them wrong
    if i == 2:
        changes["cycle"] = "four_weekly"
    if i % 8 == 4:
        changes["rounding"] = "per_minute"
    if i % 8 == 6:
        changes["rounding"] = "up_15"
    if i == 0:  # its rates go up on the Wednesday of the second week
        changes["rate_change"] = (month.day(1, 2), p.hourly_pence + 135, p.weekend_pence + 140)
    return Provider(**{**p.__dict__, **changes})
