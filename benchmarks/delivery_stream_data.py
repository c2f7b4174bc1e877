"""The delivery stream benchmark's data: 20 providers, 8,000 people with four visits a day, and their
attendances as providers' ECM systems publish them on `ecm.visits` (one JSON object a message, keyed by
provider_ref), with fresh references each run. Also the SQL that removes a run's rows from delivery.

Every day plans 8,000 x 4 visits (one person in ten has two-carer visits): 35,200 attendances a day,
so a million span four weeks, all in the past (nothing is missed: delivery first saw the agreements
now; the agreements end on the last day, so nothing is planned after it either).
"""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta

from aiokafka.partitioner import DefaultPartitioner

from contracts import agreements as contract
from contracts.common import Cycle, PaymentBasis, ServiceType
from contracts.envelope import Actor
from shared.clock import london_date, london_local, utcnow, week_start
from shared.events import Cause, envelope_for
from shared.outbox import envelope_headers

PEOPLE, PROVIDERS, PARTITIONS = 8_000, 20, 6
SLOTS = (time(8), time(12), time(17), time(21))
PER_DAY = PEOPLE * len(SLOTS) * 11 // 10  # one person in ten needs two carers
WEEKDAYS = list(contract.Weekday)


@dataclass(frozen=True)
class Run:
    tag: str
    first_day: date
    days: int
    provider_refs: tuple[str, ...]  # CQC IDs, spread evenly over the topic's partitions

    @property
    def provider_ids(self) -> list[str]:
        return [f"PRV-B{self.tag}-{n:02d}" for n in range(PROVIDERS)]

    @property
    def agreement_prefix(self) -> str:
        return f"AGR-B{self.tag}-"

    def person(self, p: int) -> str:
        return f"SU-B{self.tag}-{p:05d}"


def days_for(records: int) -> int:
    return -(-records // PER_DAY)


def new_run(records: int, probes: int) -> Run:
    """Fresh references, and enough past days for the latency probes and then `records` attendances."""
    days = days_for(probes) + days_for(records)
    first = week_start(london_date(utcnow()) - timedelta(days=days + 7))
    return Run(uuid.uuid4().hex[:6].upper(), first, days, _balanced_refs(random.Random()))


def _balanced_refs(rng: random.Random) -> tuple[str, ...]:
    """Provider references whose keys hash evenly over the partitions (as many real feeds would)."""
    per_partition = -(-PROVIDERS // PARTITIONS)
    taken = [0] * PARTITIONS
    refs: list[str] = []
    while len(refs) < PROVIDERS:
        ref = "1-" + "".join(rng.choices("0123456789", k=10))
        p = DefaultPartitioner()(ref.encode(), list(range(PARTITIONS)), list(range(PARTITIONS)))
        if taken[p] < per_partition and ref not in refs:
            taken[p] += 1
            refs.append(ref)
    return tuple(refs)


def agreement_messages(run: Run) -> list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]:
    """(topic, key, value, headers) of every ProviderRegistered and AgreementActivated, as agreements sends them."""
    cause = Cause(str(uuid.uuid4()), None, Actor(id="bench", role="brokerage_officer"))
    events: list[contract.AgreementsEvent] = [contract.ProviderRegistered(
        provider_id=pid, name=f"Bench Care {n}", cqc_provider_id=run.provider_refs[n], cqc_location_ids=[],
        service_types=[ServiceType.HOME_CARE], self_billing=contract.SelfBilling(in_place=True))
        for n, pid in enumerate(run.provider_ids)]
    last_day = run.first_day + timedelta(days=run.days - 1)
    for p in range(PEOPLE):
        carers = 2 if p % 10 == 0 else 1
        schedule = [contract.ScheduledVisit(weekday=d, start_time=s, duration_minutes=30, carers_required=carers)
                    for d in WEEKDAYS for s in SLOTS]
        terms = contract.AgreementTerms(version=1, effective_from=run.first_day, schedule=schedule,
                                        rates=[contract.Rate(unit="hour", amount_pence=2400)])
        events.append(contract.AgreementActivated(
            agreement_id=f"{run.agreement_prefix}{p:05d}", person_ref=run.person(p),
            provider_id=run.provider_ids[p % PROVIDERS], service_type=ServiceType.HOME_CARE,
            payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, start=run.first_day, end=last_day,
            terms=[terms]))
    out = []
    for event in events:
        env = envelope_for(event, producer="agreements", council_id="demo-council", cause=cause)
        out.append((event.TOPIC, env.aggregate_id.encode(), env.model_dump_json().encode(),
                    [(k, v.encode()) for k, v in envelope_headers(env).items()]))
    return out


@lru_cache(maxsize=1 << 14)
def _iso(local_day: date, at: time, minutes: int = 0) -> str:
    instant = london_local(datetime.combine(local_day, at)) + timedelta(minutes=minutes)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def attendances(run: Run, day_index: int, rng: random.Random):
    """(key, value, "visit_id|carer_id") of every attendance of one day, in the order feeds send them: visits
    shuffled over the day, a two-carer visit's records together. ~10% late, ~7% short, 5% manual."""
    day = run.first_day + timedelta(days=day_index)
    visits = [(p, s) for p in range(PEOPLE) for s in range(len(SLOTS))]
    rng.shuffle(visits)
    for p, s in visits:
        ref = run.provider_refs[p % PROVIDERS]
        visit_id = f"V{run.tag}-{day_index}-{p}-{s}"
        for carer in range(2 if p % 10 == 0 else 1):
            carer_id = f"C-{p % 900}-{carer}"
            late = rng.randrange(31, 50) if rng.random() < 0.10 else rng.randrange(-5, 10)
            stay = rng.randrange(5, 15) if rng.random() < 0.07 else rng.randrange(25, 35)
            value = json.dumps({
                "provider_ref": ref, "service_user_ref": run.person(p), "visit_id": visit_id,
                "carer_id": carer_id, "planned_start": _iso(day, SLOTS[s]),
                "planned_end": _iso(day, SLOTS[s], 30), "check_in": _iso(day, SLOTS[s], late),
                "check_out": _iso(day, SLOTS[s], late + stay),
                "check_in_method": "manual" if rng.random() < 0.05 else "app"}).encode()
            yield ref.encode(), value, f"{visit_id}|{carer_id}"


def stream(run: Run, first_day_index: int, count: int, seed: int = 4) -> list[tuple[bytes, bytes, str]]:
    """`count` attendances from day `first_day_index` on, day after day."""
    rng = random.Random(seed)
    out: list[tuple[bytes, bytes, str]] = []
    day = first_day_index
    while len(out) < count:
        for item in attendances(run, day, rng):
            out.append(item)
            if len(out) == count:
                break
        day += 1
    return out


CLEANUP = [  # delivery's rows of one run, by its providers (references are unique), so reruns start alike
    f"DELETE FROM delivery.{table} WHERE provider_id = ANY($1::text[])"
    for table in ("periods", "verified_visits", "attendances", "agreements", "providers")
]
