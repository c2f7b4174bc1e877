"""Times self-billing a large county's four weeks through the real handler and a real Postgres.

Not a test: run `.venv/bin/python benchmarks/invoicing_selfbill_db_bench.py [AGREEMENTS]` with the
local Postgres up. It migrates a scratch schema `invoicing_bench` (dropped first; the service's own
schema is not touched), files 150 self-billing providers and AGREEMENTS four-weekly home-care
agreements, then hands the invoicing delivery consumer's batch handler 4 x AGREEMENTS
PeriodActualsConfirmed records (three visits a day, one agreement in twenty with two carers: about
705,000 lines for 8,000), in batches of 2,000 as the consumer takes them, one transaction each, and
prints where the time went. Kafka is left out: the figure is parsing, storing, raising, validating
and recording the invoices and their outbox rows.
"""
from __future__ import annotations

import asyncio
import collections
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg

from contracts import delivery as dl
from contracts.common import Cycle, PaymentBasis
from contracts.envelope import Actor
from shared.clock import utcnow
from shared.consumer import BatchContext
from shared.records import Incoming
from shared.db import create_pool
from shared.events import Cause, envelope_for
from shared.migrations import migrate
from shared.outbox import Outbox, envelope_headers
from shared.settings import DEFAULT_DATABASE_URL
from services.invoicing.handlers import delivery as handlers_delivery
from services.invoicing.steps import self_billing as raise_self_bills
from services.invoicing.store import actuals as store_actuals, facts as store_facts, invoices as store_invoices
from services.invoicing.domain.facts import AgreementOnFile

SCHEMA = "invoicing_bench"
MONDAY = date(2026, 3, 2)  # the first Monday of a four-weekly period
PROVIDERS, BATCH, RATE = 150, 2000, 2385
SPENT: collections.Counter = collections.Counter()


def timed(module, name: str) -> None:
    """Count the wall time of `module.name` (an async function) under its name."""
    inner = getattr(module, name)

    async def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return await inner(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started
    setattr(module, name, wrapper)


class _Runtime:
    outbox = Outbox("invoicing", "bench")


def confirmations(n_agreements: int) -> list[Incoming]:
    cause = Cause("bench", None, Actor(id="system:delivery", role="system"))
    items = []
    for w in range(4):
        monday = MONDAY + timedelta(days=7 * w)
        for a in range(n_agreements):
            aid, carers = f"AGR-{a:05d}", 2 if a % 20 == 0 else 1
            lines = [dl.ActualsLine(visit_key=f"{aid}/{start.isoformat()}", visit_id=f"{aid}-{start:%m%d%H}",
                                    carer_id=f"C-{c}", local_date=start.date(), payable_minutes=minutes,
                                    rate_pence_per_hour=RATE, amount_pence=(minutes * RATE * 2 + 60) // 120, revision=1)
                     for d in range(7) for slot, minutes in enumerate((30, 45, 60)) for c in range(carers)
                     for start in [datetime.combine(monday + timedelta(days=d), datetime.min.time())
                                   + timedelta(hours=8 + 4 * slot)]]
            event = dl.PeriodActualsConfirmed(agreement_id=aid, person_ref=f"SU-{a}", provider_id=f"PRV-{a % PROVIDERS}",
                                              week_start=monday, confirmed_by="auto", lines=lines, payable_minutes=0,
                                              amount_pence=0, adjustments_pence=0)
            envelope = envelope_for(event, producer="delivery", council_id="bench", cause=cause)
            items.append(Incoming("delivery.events", 0, len(items), aid, envelope.model_dump_json().encode(),
                                  envelope_headers(envelope), message_id=str(envelope.event_id)))
    return items


async def main(n_agreements: int) -> None:
    admin = await asyncpg.connect(DEFAULT_DATABASE_URL)
    await admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    await migrate(admin, SCHEMA, Path(__file__).resolve().parent.parent / "services" / "invoicing")
    await admin.close()
    pool = await create_pool(DEFAULT_DATABASE_URL, SCHEMA, service="bench", max_size=2)
    context = BatchContext(_Runtime.outbox, handlers_delivery.DELIVERY)
    agreements = [f"AGR-{a:05d}" for a in range(n_agreements)]
    async with pool.acquire() as conn, conn.transaction():
        for p in range(PROVIDERS):
            await store_facts.keep_provider(conn, f"PRV-{p}", self_billing=True, bank_details_verified=True)
        for a, aid in enumerate(agreements):
            await store_facts.keep_agreement(conn, AgreementOnFile(aid, f"PRV-{a % PROVIDERS}", f"SU-{a}",
                                                                   PaymentBasis.ACTUALS, Cycle.FOUR_WEEKLY,
                                                                   MONDAY - timedelta(days=365)), utcnow())
        await store_facts.keep_commitments(conn, "bench", MONDAY, dict.fromkeys(agreements, 60_000))
    items = confirmations(n_agreements)
    for name in ("record_confirmed_weeks", "visits_by_week"):
        timed(store_actuals, name)
    timed(store_invoices, "insert_filed")
    timed(raise_self_bills, "_numbered_and_validated")
    timed(handlers_delivery, "self_bill")
    started = time.perf_counter()
    for i in range(0, len(items), BATCH):
        async with pool.acquire() as conn, conn.transaction():
            await handlers_delivery.on_delivery_batch(conn, items[i:i + BATCH], context)
    total = time.perf_counter() - started
    async with pool.acquire() as conn:
        invoices = await conn.fetchval("SELECT count(*) FROM invoices")
        lines = await conn.fetchval("SELECT count(*) FROM invoice_lines")
    await pool.close()
    print(f"{len(items):,} confirmations, {invoices:,} invoices, {lines:,} lines in {total:.1f} s (target < 60 s)")
    for name, seconds in SPENT.most_common():
        print(f"  {name:<28} {seconds:6.1f} s")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8_000))
