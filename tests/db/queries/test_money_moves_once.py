"""A query moves money at most once, held by the database too (queries' migration 0002), and money-moving
outcomes above the threshold are stored awaiting a second finance approver before anything is requested.
The steps run in this process against Postgres alone (a fresh copy of the queries schema)."""
from __future__ import annotations

from dataclasses import replace

import asyncpg
import pytest

from contracts.envelope import Actor
from contracts.queries import OutcomeKind
from services.queries import store
from services.queries.domain.effects import fail_effect, retry_effect
from services.queries.domain.errors import IllegalTransition, NotEntitled
from services.queries.domain.lifecycle import approve_outcome, resolve
from services.queries.domain.outcomes import Effect, EffectStatus, SupplementaryPayment
from services.queries.domain.query import QueryStatus as S
from services.queries.steps.query_steps import plain, take_step
from shared.events import Cause
from shared.testing import DatabaseOnly
from tests.unit.queries.query_builders import APPROVER, FINANCE, HOUR, SYSTEM, query_in

pytestmark = pytest.mark.db
CAUSE = Cause("test-money-moves-once", None, Actor(id="u-finance-1", role="finance_officer"))


@pytest.fixture
async def db():
    async with DatabaseOnly("queries") as runtime:
        yield runtime


def _at(query, hours=1):
    return query.history[-1].at + hours * HOUR


async def _outbox_types(conn) -> list[str]:
    return [r["event_type"] for r in await conn.fetch("SELECT event_type FROM outbox ORDER BY created_at, event_type")]


async def _paid_and_failed(conn):
    """A query resolved with a £10 supplementary payment (EFF-1) that invoicing failed, stored."""
    query = query_in(S.INVESTIGATING)
    resolved = resolve(query, FINANCE, _at(query), SupplementaryPayment(1_000), "Paid too little.", "EFF-1").query
    await store.queries.save(conn, resolved)
    failed = fail_effect(resolved, SYSTEM, _at(resolved), "invoicing was down", "EFF-1").query
    await store.queries.save(conn, failed)
    return failed


async def test_the_database_refuses_a_second_money_moving_effect_for_a_query_naming_the_first(db):
    async with db.pool.acquire() as conn, conn.transaction():
        failed = await _paid_and_failed(conn)
        # The domain's check bypassed: a second money-moving effect, not a retry of the first.
        second = replace(failed, effect=Effect("EFF-2", OutcomeKind.CREDIT_NOTE, _at(failed)),
                         earlier_effects=(failed.effect,))
        with pytest.raises(IllegalTransition, match="its supplementary_payment effect EFF-1 was requested"):
            await store.queries.save(conn, second)
        # The refusal left the transaction usable; the index itself refuses a raw second row too.
        with pytest.raises(asyncpg.UniqueViolationError, match="query_money_effects_one_per_query"):
            await conn.execute("INSERT INTO query_money_effects (effect_id, query_id, kind, requested_at)"
                               " VALUES ('EFF-3', $1, 'credit_note', now())", failed.query_id)


async def test_a_retry_of_a_failed_money_effect_is_the_same_money_and_is_stored(db):
    async with db.pool.acquire() as conn, conn.transaction():
        failed = await _paid_and_failed(conn)
        retried = retry_effect(failed, FINANCE, _at(failed), "EFF-2").query
        await store.queries.save(conn, retried)
        rows = await conn.fetch("SELECT effect_id, retry_of FROM query_money_effects WHERE query_id = $1"
                                " ORDER BY effect_id", failed.query_id)
        assert [tuple(r) for r in rows] == [("EFF-1", None), ("EFF-2", "EFF-1")]
        assert (await store.queries.load(conn, failed.query_id)).effect.status == EffectStatus.PENDING


async def test_above_the_threshold_the_step_stores_the_query_awaiting_approval_and_requests_nothing(db):
    query = query_in(S.INVESTIGATING)
    async with db.pool.acquire() as conn, conn.transaction():
        await store.queries.save(conn, query)
    at = _at(query)
    async with db.pool.acquire() as conn, conn.transaction():
        await take_step(conn, db.outbox, CAUSE, query.query_id, FINANCE, at, plain(
            lambda q, by, now: resolve(q, by, now, SupplementaryPayment(75_000), "Paid too little.")))
    async with db.pool.acquire() as conn:
        stored = await store.queries.load(conn, query.query_id)
        assert await conn.fetchval("SELECT status FROM queries WHERE query_id = $1", query.query_id) \
            == "awaiting_approval"
        assert stored.proposal.proposed_by == FINANCE and stored.effect is None
        assert await _outbox_types(conn) == ["QueryOutcomeProposed"]
        assert await conn.fetchval("SELECT count(*) FROM query_money_effects") == 0

    async with db.pool.acquire() as conn, conn.transaction():  # the proposer (a finance officer) cannot approve it
        with pytest.raises(NotEntitled, match="only a finance approver may approve"):
            await take_step(conn, db.outbox, CAUSE, query.query_id, FINANCE, at + HOUR, plain(
                lambda q, by, now: approve_outcome(q, by, now, "Mine.")))
    async with db.pool.acquire() as conn, conn.transaction():
        await take_step(conn, db.outbox, CAUSE, query.query_id, APPROVER, at + HOUR, plain(
            lambda q, by, now: approve_outcome(q, by, now, "Checked the rate.", "EFF-9")))
    async with db.pool.acquire() as conn:
        assert (await store.queries.load(conn, query.query_id)).status == S.RESOLVED
        assert sorted(await _outbox_types(conn)) == sorted(["QueryOutcomeProposed", "QueryOutcomeApproved",
                                                            "QueryResolved", "SupplementaryPaymentRequested"])
        assert await conn.fetchval("SELECT effect_id FROM query_money_effects WHERE query_id = $1",
                                   query.query_id) == "EFF-9"
