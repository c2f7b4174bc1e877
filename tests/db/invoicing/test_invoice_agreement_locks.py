"""A provider's invoice takes one advisory lock per agreement it names, so the number of agreements
one invoice may name is bounded: past the bound it is refused (422) before any lock is taken, and the
shared lock table cannot be filled by one upload. Against Postgres alone."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.envelope import Actor
from shared.events import Cause
from shared.outbox import Outbox
from shared.testing import DatabaseOnly
from services.invoicing.config import config
from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.provider_invoices import ProviderInvoiceSubmission, SubmittedLine
from services.invoicing.steps.receiving import receive
from tests.conftest import unique

pytestmark = pytest.mark.db
ACTOR = Actor(id="test:locks", role="system")
CAUSE = Cause("test-locks", None, ACTOR)
OUTBOX = Outbox("invoicing", "demo-council")
MONDAY = date(2026, 3, 2)
ADVISORY = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"


@pytest.fixture
async def pool():
    async with DatabaseOnly("invoicing") as db:
        yield db.pool


def _invoice(agreements: int) -> ProviderInvoiceSubmission:
    lines = tuple(SubmittedLine(f"AGR-{i:06d}", f"P-{i}", 100, first_day=MONDAY) for i in range(agreements))
    return ProviderInvoiceSubmission(unique("PRV"), unique("INV"), MONDAY, lines)


async def test_an_invoice_naming_more_agreements_than_the_bound_is_refused_before_any_lock(pool):
    too_many = config().max_invoice_agreements + 1
    assert config().max_invoice_agreements == 500  # the default
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            with pytest.raises(InvalidInvoiceInput) as refused:
                await receive(conn, OUTBOX, CAUSE, ACTOR, _invoice(too_many), source="json")
            assert await conn.fetchval(ADVISORY) == 0
        finally:
            await tx.rollback()
    assert refused.value.field == "lines"
    assert f"{too_many} different agreements" in refused.value.rule and "at most 500" in refused.value.rule


async def test_within_the_bound_each_agreement_is_locked_and_the_count_is_bounded(pool, monkeypatch):
    monkeypatch.setenv("CAREPAY_INVOICING_MAX_INVOICE_AGREEMENTS", "5")
    config.cache_clear()
    try:
        async with pool.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            try:
                await receive(conn, OUTBOX, CAUSE, ACTOR, _invoice(5), source="json")
                assert await conn.fetchval(ADVISORY) == 1 + 5  # the provider's facts, then each agreement
            finally:
                await tx.rollback()
            async with conn.transaction():
                with pytest.raises(InvalidInvoiceInput):
                    await receive(conn, OUTBOX, CAUSE, ACTOR, _invoice(6), source="json")
    finally:
        monkeypatch.delenv("CAREPAY_INVOICING_MAX_INVOICE_AGREEMENTS")
        config.cache_clear()
