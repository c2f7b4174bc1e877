"""An agreement and a confirmed week of it taken at the same moment, by two consumers in two
transactions (agreements.events and delivery.events are not ordered against each other): the week is
self-billed whichever commits first. The handlers run in this process against Postgres alone (a fresh copy
of the invoicing schema)."""
from __future__ import annotations

import pytest

from contracts.envelope import Actor
from shared.consumer import BatchContext, Context
from shared.events import Cause
from shared.outbox import Outbox
from shared.testing import DatabaseOnly
from services.invoicing.handlers import agreements as handlers_agreements
from services.invoicing.handlers import delivery as handlers_delivery
from services.invoicing.store import facts as store_facts
from tests.conftest import unique
from tests.integration.foundation.helpers import side_by_side
from tests.integration.invoicing.invoicing_helpers import agreement_and_confirmed_week

pytestmark = pytest.mark.db
CAUSE = Cause("test-facts-race", None, Actor(id="test:facts-race", role="system"))
OUTBOX = Outbox("invoicing", "demo-council")


@pytest.fixture
async def pool():
    async with DatabaseOnly("invoicing") as db:
        yield db.pool


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
    # The handlers as their consumers call them, with the service's outbox and no service around them.
    steps = {"agreement": lambda conn: handlers_agreements.on_agreement(
                 conn, agreement.event, Context(agreement.envelope, OUTBOX, agreement)),
             "confirmation": lambda conn: handlers_delivery.on_delivery_batch(
                 conn, [confirmation], BatchContext(OUTBOX, handlers_delivery.DELIVERY))}
    second = "confirmation" if first == "agreement" else "agreement"

    await side_by_side(pool, steps[first], steps[second])

    assert await _self_bills(pool, aid) == 1, f"the week confirmed beside its agreement ({first} first) was not billed"
