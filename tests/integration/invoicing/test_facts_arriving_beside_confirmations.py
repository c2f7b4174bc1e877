"""An agreement and a confirmed week of it taken at the same moment, by two consumers in two
transactions (agreements.events and delivery.events are not ordered against each other): the week is
self-billed whichever commits first. Found by the reliability month: with invoicing restarted, its
two consumers caught up side by side, each missed the other's uncommitted row, and twelve confirmed
weeks were never billed."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from contracts.envelope import Actor
from shared.db import create_pool
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing import handlers_agreements, handlers_delivery, store_facts
from tests.conftest import unique
from tests.integration.foundation.helpers import side_by_side
from tests.integration.invoicing.invoicing_helpers import agreement_and_confirmed_week

pytestmark = pytest.mark.stack
CAUSE = Cause("test-facts-race", None, Actor(id="test:facts-race", role="system"))


@pytest.fixture
async def pool(stack, database_url, monkeypatch):
    # The handlers publish through their consumer's runtime: give them the service's outbox without a service.
    runtime = SimpleNamespace(outbox=Outbox("invoicing", "demo-council"))
    monkeypatch.setattr(handlers_agreements.AGREEMENTS, "runtime", runtime)
    monkeypatch.setattr(handlers_delivery.DELIVERY, "runtime", runtime)
    pool = await create_pool(database_url, "invoicing", service="invoicing-test", max_size=2)
    yield pool
    await pool.close()


async def _self_bills(pool, aid: str) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM invoices WHERE agreement_id = $1 AND kind = 'self_billed'",
                                   aid)


@pytest.mark.parametrize("first", ["agreement", "confirmation"])
async def test_a_week_confirmed_while_its_agreement_arrives_is_self_billed_whichever_commits_first(pool, first):
    pid = unique("PRV")
    async with pool.acquire() as conn:
        await store_facts.keep_provider(conn, pid, self_billing=True, bank_details_verified=True)
    agreement, confirmation, aid, _ = agreement_and_confirmed_week(pid, CAUSE)
    steps = {"agreement": lambda conn: handlers_agreements.on_agreement(conn, agreement),
             "confirmation": lambda conn: handlers_delivery.on_delivery_batch(conn, [confirmation])}
    second = "confirmation" if first == "agreement" else "agreement"

    await side_by_side(pool, steps[first], steps[second])

    assert await _self_bills(pool, aid) == 1, f"the week confirmed beside its agreement ({first} first) was not billed"
