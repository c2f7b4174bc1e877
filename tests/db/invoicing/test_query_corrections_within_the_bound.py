"""A supplementary invoice raised for a query's outcome passes the safety bound like every invoice: above
it (with what the agreement is already invoiced for the period) it is held ABOVE_COMMITMENT, not approved.
The queries consumer's handler runs in this process against Postgres alone (a fresh invoicing schema)."""
from __future__ import annotations

import pytest

from contracts import queries as qu
from shared.testing import DatabaseOnly
from services.invoicing.handlers import queries as handlers_queries
from tests.conftest import unique
from tests.db.invoicing.test_steps_beside_facts import (CAUSE, _invoice_of_the_week, _provider_with_a_confirmed_week,
                                                        _state, ctx)
from tests.integration.foundation.helpers import incoming

pytestmark = pytest.mark.db


@pytest.fixture
async def pool():
    async with DatabaseOnly("invoicing") as db:
        yield db.pool


async def _supplementary_for_a_query(pool, amount_pence: int) -> tuple[str, list[str]]:
    """A week invoiced at £72.00 against a £100.00 commitment (bound £110.00), then a query's supplementary."""
    pid, aid, person = await _provider_with_a_confirmed_week(pool)
    async with pool.acquire() as conn, conn.transaction():
        original = await _invoice_of_the_week(conn, pid, aid, person, "S-1")
    assert (await _state(pool, original))[0] == "approved"
    requested = incoming(qu.SupplementaryPaymentRequested(
        query_id=unique("QRY"), effect_id=unique("EFF"), provider_id=pid, amount_pence=amount_pence,
        relates_to_invoice_id=original), "queries", CAUSE)
    async with pool.acquire() as conn, conn.transaction():
        await handlers_queries.on_supplementary_requested(conn, requested.event, ctx(requested))
    async with pool.acquire() as conn:
        supplementary = await conn.fetchval("SELECT invoice_id FROM invoices WHERE corrects_invoice_id = $1", original)
    return await _state(pool, supplementary)


async def test_a_query_s_supplementary_taking_the_agreement_above_the_bound_is_held_above_commitment(pool):
    # £72.00 + £40.00 = £112.00 > £110.00; the £40.00 alone is well within it.
    assert await _supplementary_for_a_query(pool, 4_000) == ("held", ["above_commitment"])


async def test_a_query_s_supplementary_within_the_bound_is_approved(pool):
    assert await _supplementary_for_a_query(pool, 3_000) == ("approved", [])
