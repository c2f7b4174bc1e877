"""`carepay reporting rebuild` replays every topic into a fresh schema and arrives at the live figures."""
from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from contracts import payments as pay
from contracts import queries as qr
from contracts.envelope import Actor
from services.reporting.store import operations as read_operations, people as read_people, spend as read_spend
from shared.db import create_pool
from shared.settings import REPO_ROOT
from tests.conftest import eventually, unique
from tests.integration.reporting.reporting_helpers import (MONDAY, Flow, approved, budget, issued, missed, paid,
                                                           query_raised, read, returned, send, until_spend, visit)

pytestmark = pytest.mark.stack
FIRST, LAST = date(2031, 1, 1), date(2031, 6, 30)


async def one_of_everything(producer) -> Flow:
    """A flow touching every topic: budget, agreement and commitment, visits with a correction and a miss,
    an invoice with a credit note, a payment returned and another made, a direct payment, a breached query."""
    flow = await Flow().start(producer)
    a, p, pid = flow.agreement_id, flow.person, flow.provider_id
    await send(producer, budget(p, 25_000), actor=Actor(id=unique("u-sw"), role="social_worker"))
    await send(producer, visit(a, p, pid, MONDAY, 2_400, flags=("late",)))
    await send(producer, visit(a, p, pid, MONDAY, 1_800, revision=2))
    await send(producer, missed(a, p, pid, MONDAY + timedelta(days=1)))
    invoice_id, credit_id = unique("INV-RPT"), unique("CN-RPT")
    await send(producer, issued(invoice_id, pid, a, p, 1_800))
    await send(producer, approved(invoice_id, pid, a, 1_800))
    await send(producer, issued(credit_id, pid, a, p, 300, kind="credit_note", corrects=invoice_id))
    await send(producer, paid(invoice_id, pid, 1_500, MONDAY + timedelta(days=20), "PAY-A"))
    await send(producer, returned([invoice_id], pid, 1_500, "PAY-A"))
    await send(producer, paid(invoice_id, pid, 1_500, MONDAY + timedelta(days=45), "PAY-B"))
    await send(producer, pay.DirectPaymentMade(run_id="RUN-T", agreement_id=unique("DP-RPT"), person_ref=p,
                                               payment_reference=unique("DPP"), pay_date=MONDAY, amount_pence=9_000,
                                               period_start=MONDAY, period_end=MONDAY + timedelta(days=27),
                                               council_managed=False))
    query_id, past = unique("QRY-RPT"), datetime.now(timezone.utc) - timedelta(days=1)
    await send(producer, query_raised(query_id, pid, qr.QueryCategory.WRONG_CHARGE, past))
    await send(producer, qr.QuerySlaBreached(query_id=query_id, sla=qr.SlaKind.ACKNOWLEDGE, due_at=past,
                                             category=qr.QueryCategory.WRONG_CHARGE))
    return flow


async def figures(database_url: str, schema: str, flow: Flow) -> dict:
    """Everything the API answers about the flow, read from `schema` with the API's own queries."""
    pool = await create_pool(database_url, schema, service="reporting-test", max_size=1)
    try:
        async with pool.acquire() as db:
            return await _figures(db, flow)
    finally:
        await pool.close()


async def _figures(db, flow: Flow) -> dict:
    out = {}
    for group_by in ("service_type", "provider", "person", "cost_centre"):
        for period in ("week", "month"):
            out[f"spend/{group_by}/{period}"] = await read_spend.spend(
                db, group_by=group_by, period=period, first=FIRST, last=LAST, provider_id=flow.provider_id)
    out["budget"] = await read_people.budget(db, flow.person, period="month", first=FIRST, last=LAST)
    out["statement"] = await read_people.statement_figures(db, flow.person, FIRST, LAST)
    out["quality"] = await read_operations.visit_quality(db, period="week", first=FIRST, last=LAST,
                                                         provider_id=flow.provider_id)
    out["prompt"] = await read_operations.prompt_payment(db, first=FIRST, last=LAST, today=FIRST,
                                                         provider_id=flow.provider_id)
    out["queries"] = await read_operations.open_queries(db, today=FIRST, first=date(2026, 1, 1),
                                                        last=date(2028, 12, 31), provider_id=flow.provider_id)
    return out


async def carepay(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(str(Path(sys.executable).parent / "carepay"), *args, cwd=REPO_ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    # Replays every topic: seconds on a fresh stack, minutes where a demo council has filled them.
    out, err = await asyncio.wait_for(proc.communicate(), timeout=1800)
    assert proc.returncode == 0, err.decode()[-3000:]
    return out.decode()


async def test_a_rebuild_from_the_topics_equals_the_live_read_models(http, stack, producer, database_url):
    base = stack["reporting"]
    flow = await one_of_everything(producer)
    await until_spend(http, base, flow.provider_id, "the flow in the live read models", delivered_pence=1_800,
                      invoiced_pence=1_500, paid_pence=1_500)

    async def queries_seen():
        return (await read(http, base, "/queries/open", provider_id=flow.provider_id))["breaches"]
    await eventually(queries_seen, what="the breached query")

    # The rebuild replays everything sent; the live read models must have applied it all too, and each topic
    # (each key, on its own partition) is applied in no order with the others: the spend above leaves out the
    # budget, the commitment and the provider's name, the miss sent after the visits, the direct payment, and
    # which payments stand (1,500 paid is PAY-A alone too, before its return and PAY-B). Wait for each.
    span = {"from": str(FIRST), "to": str(LAST)}

    async def everything_applied():
        person = await read(http, base, f"/people/{flow.person}/budget", period="month", **span)
        quality = await read(http, base, "/visit-quality", period="month", provider_id=flow.provider_id, **span)
        prompt = await read(http, base, "/prompt-payment", provider_id=flow.provider_id, **span)
        spend = await read(http, base, "/spend", group_by="provider", period="month", provider_id=flow.provider_id,
                           **span)
        return (person["weekly_budget_pence"] and person["commitment_as_of"]
                and person["totals"]["paid_pence"] == 1_500 + 9_000
                and sum(r["missed"] for r in quality["rows"]) == 1
                and [m["month"] for m in prompt["by_provider_month"]] == ["2031-04-01"]  # PAY-B's month
                and spend["rows"] and all(r["label"] != flow.provider_id for r in spend["rows"]))
    await eventually(everything_applied, timeout=30, what="every topic of the flow in the live read models")

    schema = f"reporting_rebuild_t{uuid.uuid4().hex[:8]}"
    try:
        await carepay("reporting", "rebuild", "--schema", schema)
        live = await figures(database_url, "reporting", flow)
        rebuilt = await figures(database_url, schema, flow)
    finally:
        await carepay("reporting", "drop", "--schema", schema)
    assert live["spend/provider/month"], "the flow should have figures"
    assert live["budget"]["totals"]["paid_pence"] == 1_500 + 9_000
    assert rebuilt == live
