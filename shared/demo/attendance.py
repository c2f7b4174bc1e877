"""What carers did in the month, as their providers' call monitoring records it, imperfections included.

Per planned visit (docs/domain.md, "Visit rules", and the FOI figures): about 1 in 10 check-ins more than 30
minutes late, about 7% short, some overstays (capped at plan), 2% missed, frustrated visits (no
access) and cancellations at short notice; two-carer visits where only one carer came; corrections
sent later in the week. Per provider and week, the data-quality faults seen in practice: a record
with no carer ID (sent again with it), check-out before check-in, an unknown service user and a
duplicate row. The stories: visits logged after a death, and a hospital admission.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.demo.council import Council, Person, Provider
from shared.demo.month import at


@dataclass(frozen=True)
class Attendance:
    """One carer's record of one visit, before a feed puts it on the wire."""

    provider_key: str
    person_ref: str
    visit_id: str
    carer_id: str
    planned_start: datetime  # UTC
    planned_minutes: int
    check_in: datetime | None
    check_out: datetime | None
    method: str = "app"
    exception: str | None = None
    week: int = 0
    corrections: bool = False  # sent in the week's later batch of corrections
    fault: str | None = None  # missing_carer_id, check_out_before_check_in, unknown_service_user, after_death

    @property
    def planned_end(self) -> datetime:
        return self.planned_start + timedelta(minutes=self.planned_minutes)


def month_of_attendances(council: Council) -> list[Attendance]:
    """Every record the home-care providers will send, in the order each provider sends them."""
    rng = random.Random(council.seed * 7919 + 17)
    out: list[Attendance] = []
    for provider in council.providers:
        if provider.service_type != "home_care":
            continue
        records = [a for person in council.clients_of(provider.key) for a in _person_month(rng, council, provider, person)]
        out += _with_faults(rng, council, provider, records)
    return out


def _carers(rng: random.Random, provider: Provider, person: Person) -> tuple[str, str]:
    number = provider.key[2:]
    first = rng.randrange(1, 40)
    return f"C{number}-{first:03d}", f"C{number}-{first + 40:03d}"


def _person_month(rng: random.Random, council: Council, provider: Provider, person: Person) -> list[Attendance]:
    month, out = council.month, []
    regular, second = _carers(rng, provider, person)
    for day in month.days():
        week = month.week_of(day)
        slots = [s for s in person.schedule if s.weekday == day.weekday()]
        for n, slot in enumerate(slots):
            planned = at(day, slot.start)
            base = Attendance(provider.key, person.ref, f"{person.index + 1:04d}-{day:%Y%m%d}-{slot.start.replace(':', '')}",
                              regular, planned, slot.minutes, None, None, week=week)
            if person.died_on and day > person.died_on:
                if (day - person.died_on).days <= 2:  # the provider has not heard: classic overpayment
                    out.append(_timed(rng, base, "normal", fault="after_death"))
                continue
            if person.hospital and day == person.hospital[0]:
                if n == 0:
                    out.append(replace(base, method="manual", exception="HOSPITAL"))
                continue
            if person.hospital and person.hospital[0] < day < person.hospital[1]:
                continue  # in hospital: the agreement is suspended, nobody visits
            if person.missed_query and week == 1 and day.weekday() == 1 and n == 0:
                continue  # the missed visit the person asks about
            fate = rng.random()
            if fate < 0.02:
                continue  # missed: nobody came
            carers = [regular, second][:slot.carers]
            if slot.carers == 2 and (rng.random() < 0.12 or (week == 0 and day.weekday() == 0 and n == 0)):
                carers = carers[:1]  # a double-up with one carer: only one is paid
            for carer in carers:
                one = replace(base, carer_id=carer)
                if fate < 0.03:
                    out.append(replace(one, method="manual", exception="NOACCESS"))
                elif fate < 0.04:
                    out.append(replace(one, method="manual", exception="CANCELLED_SHORT_NOTICE"))
                else:
                    out.append(_timed(rng, one, rng.choices(("late", "short", "over", "normal"), (10, 7, 5, 78))[0]))
                    if rng.random() < 0.02:  # the provider corrects the check-out later in the week
                        fixed = out[-1]
                        moved = rng.choice((-9, -6, -3, 4, 8, 12))
                        if fixed.check_out + timedelta(minutes=moved) <= fixed.check_in:
                            moved = -moved  # a correction is never itself a bad record
                        out.append(replace(fixed, check_out=fixed.check_out + timedelta(minutes=moved),
                                           corrections=True))
    return out


def _timed(rng: random.Random, a: Attendance, how: str, fault: str | None = None) -> Attendance:
    minutes = a.planned_minutes
    if how == "late":
        arrive, stay = rng.randint(31, 55), minutes - rng.randint(0, 5)
    elif how == "short":
        arrive, stay = rng.randint(-3, 8), rng.choice((rng.randint(3, 14), minutes * 6 // 10))
    elif how == "over":
        arrive, stay = rng.randint(-5, 5), minutes + rng.randint(10, 25)
    else:
        arrive, stay = rng.randint(-5, 10), minutes + rng.randint(-4, 6)
    method = rng.choices(("app", "landline", "manual"), (80, 15, 5))[0]
    check_in = a.planned_start + timedelta(minutes=arrive)
    return replace(a, check_in=check_in, check_out=check_in + timedelta(minutes=stay), method=method, fault=fault)


def _with_faults(rng: random.Random, council: Council, provider: Provider,
                 records: list[Attendance]) -> list[Attendance]:
    """Each week of each provider: one record without a carer ID (sent again with it among the
    corrections), one with check-out before check-in (never fixed: that visit is not paid), one for a
    service user the council does not know, and one row sent twice."""
    out = list(records)
    corrected = {a.visit_id for a in out if a.corrections}
    for week in range(4):
        timed = [i for i, a in enumerate(out) if a.week == week and a.check_in and not a.fault
                 and not a.corrections and a.visit_id not in corrected]
        if len(timed) < 4:
            continue
        blank, backwards, twice, model = rng.sample(timed, 4)
        stranger = out[model]
        fixed = out[blank]
        out[blank] = replace(fixed, carer_id="", fault="missing_carer_id")
        out.append(replace(fixed, corrections=True))
        wrong = out[backwards]
        out[backwards] = replace(wrong, check_in=wrong.check_out, check_out=wrong.check_in,
                                 fault="check_out_before_check_in")
        out.append(replace(stranger, person_ref=f"{council.tag}-X{provider.key}{week}",
                           visit_id=f"X-{week}-{stranger.visit_id}", fault="unknown_service_user"))
        out.insert(twice + 1, out[twice])
    return out
