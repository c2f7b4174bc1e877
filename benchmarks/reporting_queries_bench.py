"""Time reporting's API queries over a year of a large county's pre-aggregated figures.

A year of 8,000 people (8,800 agreements with 150 providers, twelve localities) at about 19 visits a
person a week is about 8 million visits; this loads the aggregate rows those visits, their
invoices, payments, commitments, budgets and queries would leave (COPY into a schema of its own,
migrated like the service's), then runs each API query as the endpoint does (a read-only snapshot,
the reads, the JSON answer; not HTTP) and prints p50 and p99. Target: every query under 200 ms. The schema is dropped
at the end, whatever happens. Run: `.venv/bin/python benchmarks/reporting_queries_bench.py`.
"""
from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402

from shared.db import create_pool  # noqa: E402
from shared.migrations import migrate  # noqa: E402
from shared.settings import REPO_ROOT, settings_for  # noqa: E402
from services.reporting.store import operations as read_operations  # noqa: E402
from services.reporting.store import people as read_people  # noqa: E402
from services.reporting.store import spend as read_spend  # noqa: E402
from services.reporting.api.common import json_response, prepare_reading  # noqa: E402
from services.reporting.api.spend import labelled, spend_page  # noqa: E402
from services.reporting.domain.statement import statement as plain_statement  # noqa: E402
from services.reporting.domain.periods import period_start  # noqa: E402

PEOPLE, PROVIDERS, LOCALITIES = 8_000, 150, 12
FIRST = date(2025, 3, 31)  # a Monday: 52 weeks to 2026-03-29
WEEKS = 52
VISITS_PER_WEEK = 19  # 8,000 x 19 x 52 = 7.9 million visits
TARGET_MS, RUNS = 200, 40
PAGE = 100  # groups per page of spend (people, for spend by person), the endpoint's default
SCHEMA = f"reporting_bench_{os.getpid()}"


def aggregates(rng: random.Random) -> dict[str, list[tuple]]:
    """The rows a year of the county leaves in each aggregate table."""
    spend: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    steps: dict[tuple, int] = defaultdict(int)
    quality: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    people_dir = set()
    for n in range(PEOPLE):
        person, locality = f"P-{n:05d}", f"CC-{n % LOCALITIES:02d}"
        lines = [("home_care", f"PRV-{n % PROVIDERS:03d}")]
        if n % 10 == 0:
            lines.append(("day_care", f"PRV-{(n * 7) % PROVIDERS:03d}"))
        steps[("budget", person, "", "", FIRST - timedelta(days=rng.randint(0, 400)))] += 30_000
        for service, provider in lines:
            people_dir.add((person, service, provider))
            weekly = rng.randint(15_000, 40_000)
            start = FIRST - timedelta(days=rng.randint(-100, 600))
            for grain, group in (("provider", ""), ("person", person)):
                steps[(grain, group, service, provider, start)] += weekly
                steps[(grain, group, service, provider, start + timedelta(days=rng.randint(60, 300)))] += 1_000
            for week in range(WEEKS):
                monday = FIRST + timedelta(weeks=week)
                visits = rng.randint(VISITS_PER_WEEK - 4, VISITS_PER_WEEK + 4)
                delivered = visits * rng.randint(1_000, 1_400)
                paid = delivered if week < WEEKS - 5 else 0
                for kind in ("week", "month"):
                    start_of = period_start(kind, monday)
                    for grain, group in (("provider", ""), ("person", person), ("cost_centre", locality)):
                        row = spend[(grain, kind, start_of, group, service, provider)]
                        row[0] += delivered
                        row[1] += delivered
                        row[2] += paid
                    q = quality[(kind, start_of, provider)]
                    q[0] += visits
                    q[1] += visits // 10
                    q[2] += visits // 14
                    q[3] += rng.random() < 0.05
    months = sorted({period_start("month", FIRST + timedelta(weeks=w)) for w in range(WEEKS)})
    prompt = [(m, f"PRV-{p:03d}", 17, 17 * 150_000, 17 * rng.randint(12, 45), 14, 15, 2, 1)
              for m in months for p in range(PROVIDERS)]
    unpaid = [(f"PRV-{p:03d}", FIRST + timedelta(days=330 + d), 2, 300_000)
              for p in range(PROVIDERS) for d in range(30)]
    categories = ("wrong_charge", "late_payment", "missed_or_late_visit", "quality_concern", "other")
    open_q = {(c, rng.choice(("open", "acknowledged", "investigating")), rng.choice(("none", "none", "resolve")),
               FIRST + timedelta(days=rng.randint(300, 380)), f"PRV-{rng.randrange(PROVIDERS):03d}")
              for c in categories for _ in range(500)}
    breaches = [(m, c, sla, f"PRV-{p:03d}", 1) for m in months for c in categories for sla in ("acknowledge", "resolve")
                for p in range(0, PROVIDERS, 3)]
    return {
        "spend": [k + tuple(v) for k, v in spend.items()],
        "commitment_step": [k + (v,) for k, v in steps.items()],
        "visit_quality": [k + tuple(v) for k, v in quality.items()],
        "person_dir": sorted(people_dir),
        "prompt_payment": prompt, "unpaid_invoices": unpaid,
        "open_queries": [k + (1,) for k in open_q], "query_breaches": breaches,
    }


COLUMNS = {
    "spend": ("grain", "period_kind", "period_start", "group_key", "service_type", "provider_id", "delivered_pence",
              "invoiced_pence", "paid_pence"),
    "commitment_step": ("grain", "group_key", "service_type", "provider_id", "day", "weekly_delta_pence"),
    "visit_quality": ("period_kind", "period_start", "provider_id", "attendances", "late", "short", "missed"),
    "person_dir": ("person_ref", "service_type", "provider_id"),
    "prompt_payment": ("month", "provider_id", "invoices_paid", "value_paid_pence", "days_to_pay_total",
                       "within_30_days", "within_30_of_valid", "days_31_to_60", "over_60_days"),
    "unpaid_invoices": ("provider_id", "due_date", "invoices", "value_pence"),
    "open_queries": ("category", "state", "sla_breached", "next_due_on", "provider_id", "queries"),
    "query_breaches": ("month", "category", "sla", "provider_id", "breaches"),
}


def queries():
    """(name, async fn(conn)) for each API query, as its endpoint runs it."""
    last = FIRST + timedelta(weeks=WEEKS) - timedelta(days=1)
    today = last

    def spend(group_by: str, period: str, **filters):
        async def run(conn):  # the first page of groups, as GET /spend answers it
            query = {"group_by": group_by, "period": period, "first": FIRST, "last": last, "service_type": None,
                     "provider_id": None, "mechanisms": None, "cost_centres": None, **filters}
            groups, rows = await spend_page(conn, query, after=None, fetch=PAGE + 1)
            shown = set(groups[:PAGE])
            rows = [r for r in rows if (r["group"] or "") in shown]
            out = {"group_by": group_by, "period": period, "from": FIRST, "to": last, "service_type": None,
                   "provider_id": None, "totals": read_spend.totals(rows),
                   "rows": await labelled(conn, group_by, rows)}
            return json_response(out), len(rows)
        return run

    async def budget(conn):
        out = await read_people.budget(conn, "P-04321", period="week", first=FIRST, last=last)
        return json_response(out), len(out["periods"])

    async def statement(conn):
        out = plain_statement(await read_people.statement_figures(conn, "P-04320", FIRST, last))
        return json_response(out), len(out["lines"])

    async def quality(conn):
        rows = await read_operations.visit_quality(conn, period="week", first=FIRST, last=last)
        return json_response({"period": "week", "from": FIRST, "to": last, "rows": rows}), len(rows)

    async def prompt(conn):
        out = await read_operations.prompt_payment(conn, first=FIRST, last=last, today=today)
        return json_response(out), len(out["by_provider_month"])

    async def open_queries(conn):
        out = await read_operations.open_queries(conn, today=today, first=FIRST, last=last)
        return json_response(out), len(out["rows"])

    return [
        ("spend by service type, month", spend("service_type", "month")),
        ("spend by service type, week", spend("service_type", "week")),
        ("spend by provider, month", spend("provider", "month")),
        ("spend by provider, week", spend("provider", "week")),
        ("spend by provider, week, one service", spend("provider", "week", service_type="day_care")),
        ("spend by cost centre, week", spend("cost_centre", "week")),
        ("spend by person, month (page of 100)", spend("person", "month")),
        ("spend by person, week (page of 100)", spend("person", "week")),
        ("spend by person, week, one provider", spend("person", "week", provider_id="PRV-042")),
        ("a person's budget, week", budget),
        ("a person's statement, year", statement),
        ("visit quality by provider, week", quality),
        ("prompt payment, year", prompt),
        ("open queries and breaches", open_queries),
    ]


async def main() -> None:
    settings = settings_for("reporting")
    conn = await asyncpg.connect(settings.database_url)
    pool = None
    try:
        await migrate(conn, SCHEMA, REPO_ROOT / "services" / "reporting")
        t0 = time.perf_counter()
        data = aggregates(random.Random(8))
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        for table, rows in data.items():
            await conn.copy_records_to_table(table, records=rows, columns=COLUMNS[table], schema_name=SCHEMA)
        await conn.execute(f'ANALYZE "{SCHEMA}".spend')
        await conn.execute(f'ANALYZE "{SCHEMA}".commitment_step')
        loaded = time.perf_counter() - t0
        print(f"aggregates of ~{PEOPLE * VISITS_PER_WEEK * WEEKS / 1e6:.1f} million visits over {WEEKS} weeks: "
              + ", ".join(f"{t} {len(r):,}" for t, r in data.items())
              + f" rows (built in {built:.1f} s, COPY {loaded:.1f} s)")
        pool = await create_pool(settings.database_url, SCHEMA, service="reporting-bench", max_size=1)
        worst = 0.0
        async with pool.acquire() as db:
            for name, run in queries():
                times = []
                for n in range(RUNS + 1):
                    started = time.perf_counter()
                    async with db.transaction():  # as the endpoint reads: a read-only snapshot
                        await prepare_reading(db)
                        _, rows = await run(db)
                    if n:  # the first run warms the plan and the pages, as a dashboard in use has them
                        times.append((time.perf_counter() - started) * 1000)
                times.sort()
                p50, p99 = statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]
                worst = max(worst, p99)
                print(f"{name:<42} {rows:>6} rows  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
                      f"  {'ok' if p99 < TARGET_MS else 'OVER ' + str(TARGET_MS) + ' ms'}")
        print(f"slowest p99 {worst:.1f} ms against a target of {TARGET_MS} ms: "
              f"{'met' if worst < TARGET_MS else 'NOT met'}")
        # Shared machines: the load says how much of that was waiting for a CPU.
        print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    finally:
        if pool is not None:
            await pool.close()
        await conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
