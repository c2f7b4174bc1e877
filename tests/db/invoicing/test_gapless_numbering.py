"""Council invoice numbers are gapless per provider: concurrent raises never share a number, and a
transaction that fails takes its numbers back with it. Against Postgres alone (a fresh copy of the invoicing
schema)."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from contracts.common import Cycle, PaymentBasis
from contracts.envelope import Actor
from shared.clock import utcnow
from shared.events import Cause
from shared.outbox import Outbox
from shared.testing import DatabaseOnly
from services.invoicing.domain.adjustments import HeldVisit
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.numbering import format_number
from services.invoicing.steps.self_billing import self_bill
from services.invoicing.store import actuals as store_actuals
from services.invoicing.store import facts as store_facts
from services.invoicing.store.actuals import ConfirmedWeek
from tests.conftest import unique
from tests.integration.invoicing.invoicing_helpers import MONDAY, TODAY

pytestmark = pytest.mark.db
CAUSE = Cause("test-numbering", None, Actor(id="test:numbering", role="system"))
OUTBOX = Outbox("invoicing", "demo-council")


@pytest.fixture
async def pool():
    async with DatabaseOnly("invoicing") as db:
        yield db.pool


async def _agreements_with_a_confirmed_week(pool, pid: str, count: int) -> list[str]:
    aids = [unique("AGR") for _ in range(count)]
    async with pool.acquire() as conn, conn.transaction():
        await store_facts.keep_provider(conn, pid, self_billing=True, bank_details_verified=True)
        weeks = []
        for aid in aids:
            await store_facts.keep_agreement(conn, AgreementOnFile(aid, pid, f"P-{aid}", PaymentBasis.ACTUALS,
                                                                   Cycle.WEEKLY, MONDAY), utcnow())
            visit = HeldVisit(aid, MONDAY, f"{aid}/2026-03-02T09:00", "V-1", "C-1", MONDAY, 60, 2400, 2400, 1)
            weeks.append(ConfirmedWeek(aid, MONDAY, pid, f"P-{aid}", 2400, "auto", uuid.uuid4(), utcnow(), (visit,)))
        await store_actuals.record_confirmed_weeks(conn, weeks)
    return aids


async def _raise(pool, aid: str) -> list:
    async with pool.acquire() as conn, conn.transaction():
        return await self_bill(conn, OUTBOX, lambda _a: CAUSE, [(aid, MONDAY)], issued_on=TODAY)


async def _numbers(pool, pid: str) -> list[str]:
    async with pool.acquire() as conn:
        return [r["number"] for r in await conn.fetch("SELECT number FROM invoices WHERE provider_id = $1"
                                                      " ORDER BY number", pid)]


async def test_twenty_concurrent_self_bills_for_one_provider_take_numbers_1_to_20(pool):
    pid = unique("PRV")
    aids = await _agreements_with_a_confirmed_week(pool, pid, 20)
    raised = await asyncio.gather(*(_raise(pool, aid) for aid in aids))
    assert all(len(r) == 1 for r in raised)
    assert await _numbers(pool, pid) == [format_number(pid, n) for n in range(1, 21)]


async def test_a_raise_rolled_back_leaves_no_gap_in_the_numbers(pool):
    pid = unique("PRV")
    first, crashed = await _agreements_with_a_confirmed_week(pool, pid, 2)
    await _raise(pool, first)
    with pytest.raises(RuntimeError, match="crash before commit"):
        async with pool.acquire() as conn, conn.transaction():
            [lost] = await self_bill(conn, OUTBOX, lambda _a: CAUSE, [(crashed, MONDAY)], issued_on=TODAY)
            assert lost.invoice.number == format_number(pid, 2)
            raise RuntimeError("crash before commit")
    [again] = await _raise(pool, crashed)
    assert again.invoice.number == format_number(pid, 2)
    assert await _numbers(pool, pid) == [format_number(pid, 1), format_number(pid, 2)]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT last_issued FROM invoice_number_sequence WHERE provider_id = $1", pid) == 2


async def test_raising_the_same_period_twice_raises_it_once(pool):
    pid = unique("PRV")
    [aid] = await _agreements_with_a_confirmed_week(pool, pid, 1)
    results = await asyncio.gather(_raise(pool, aid), _raise(pool, aid))
    assert sorted(len(r) for r in results) == [0, 1]
    assert await _numbers(pool, pid) == [format_number(pid, 1)]
