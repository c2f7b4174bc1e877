"""Times the pure part of delivery monitoring: validating and verifying synthetic attendances.

Not a test: run `.venv/bin/python benchmarks/delivery_rules_bench.py [N]` and read the figures.
The stack-level target (issue 4) is 20,000 attendances/s end to end, so the pure part must be far
above that. Data: 8,000 people with four 30-minute visits a day (one in ten a two-carer visit),
attendances as Kafka JSON payloads, ~7% under 15 minutes, ~10% more than 30 minutes late.
"""
from __future__ import annotations

import gc
import json
import random
import sys
import time
from datetime import date, datetime, time as clock_time, timedelta, timezone

from services.delivery.domain.matching import (
    AgreementSchedule, PlannedVisitIndex, ScheduledVisit, ScheduleVersion, planned_visits)
from services.delivery.domain.rates import rate_table
from services.delivery.domain.validation import validate_json_batch
from services.delivery.domain.verification import AgreementTerms, period_actuals, verify_deliveries

PROVIDER = "1-123456789"
PEOPLE = 8_000
WEEK = date(2024, 3, 4)  # a GMT week, so London times equal UTC in the generator
BATCH = 2_000
STARTS = (clock_time(8), clock_time(12), clock_time(17), clock_time(21))


def agreements() -> list[AgreementSchedule]:
    out = []
    for p in range(PEOPLE):
        slots = tuple(ScheduledVisit(d, s, 30, 2 if p % 10 == 0 else 1) for d in range(7) for s in STARTS)
        out.append(AgreementSchedule(f"AGR-{p}", f"SU-{p}", PROVIDER, WEEK, None, (ScheduleVersion(WEEK, slots),)))
    return out


def payloads(n: int, rng: random.Random) -> list[bytes]:
    out = []
    for i in range(n):
        person, day, slot = rng.randrange(PEOPLE), rng.randrange(7), rng.randrange(4)
        start = datetime.combine(WEEK + timedelta(days=day), STARTS[slot], timezone.utc)
        late = rng.randrange(31, 60) if rng.random() < 0.10 else rng.randrange(-5, 10)
        stay = rng.randrange(3, 15) if rng.random() < 0.07 else rng.randrange(20, 40)
        check_in = start + timedelta(minutes=late)
        out.append(json.dumps({
            "provider_ref": PROVIDER, "service_user_ref": f"SU-{person}", "visit_id": f"V-{i}",
            "carer_id": f"C-{rng.randrange(900)}", "planned_start": start.strftime("%Y-%m-%dT%H:%M"),
            "planned_end": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            "check_in": check_in.strftime("%Y-%m-%dT%H:%M:%S"),
            "check_out": (check_in + timedelta(minutes=stay)).strftime("%d/%m/%Y %H:%M"),
            "check_in_method": "manual" if rng.random() < 0.05 else "app"}).encode())
    return out


def main(n: int = 200_000) -> None:
    rng = random.Random(4)
    t0 = time.perf_counter()
    schedules = agreements()
    index = PlannedVisitIndex(v for a in schedules for v in planned_visits(a, WEEK, WEEK + timedelta(days=6)))
    rates = rate_table({date(2024, 1, 1): 2385, WEEK + timedelta(days=2): 2450})  # a mid-week rise
    terms = {a.agreement_id: AgreementTerms(rates) for a in schedules}
    planning = time.perf_counter() - t0
    gc.freeze()  # the planned visits are long-lived: keep the cyclic GC from rescanning them every batch
    data = payloads(n, rng)

    validate_s = verify_s = 0.0
    verified = rejected = unallocated = 0
    pence = actuals_s = 0.0
    weeks: dict[tuple[str, date], int] = {}
    for s in range(0, n, BATCH):
        t1 = time.perf_counter()
        batch = validate_json_batch(data[s:s + BATCH], provider_ref=PROVIDER)
        t2 = time.perf_counter()
        outcome = verify_deliveries(index, batch.records, terms)
        t3 = time.perf_counter()
        validate_s += t2 - t1
        verify_s += t3 - t2
        rejected += len(batch.rejects)
        unallocated += len(outcome.unallocated)
        verified += len(outcome.verified)
        pence += sum(v.amount_pence for v in outcome.verified)
        for p in period_actuals(outcome.verified):  # as a consumer would: per batch, added to the stored totals
            weeks[(p.agreement_id, p.week_start)] = weeks.get((p.agreement_id, p.week_start), 0) + p.amount_pence
        actuals_s += time.perf_counter() - t3

    total = validate_s + verify_s
    print(f"planned visits: {len(index.by_key):,} for {PEOPLE:,} people in {planning:.2f} s (not in the rate)")
    print(f"attendances:    {n:,} in batches of {BATCH:,}: {verified:,} verified, {unallocated:,} unallocated, "
          f"{rejected:,} rejected; £{pence / 100:,.2f}")
    print(f"validate:       {n / validate_s:>10,.0f} records/s ({validate_s:.2f} s)")
    print(f"match+verify:   {n / verify_s:>10,.0f} records/s ({verify_s:.2f} s)")
    print(f"validate+verify:{n / total:>10,.0f} records/s ({total:.2f} s)  [target end to end: 20,000/s]")
    print(f"period actuals: {len(weeks):,} agreement-weeks, totalled per batch in {actuals_s:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
