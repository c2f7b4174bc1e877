"""Failures that are not the message's fault are retried, in order, and applied once; never dead-lettered.

On real Postgres: a handler that Postgres picks as a deadlock's victim, and one that runs past the
session's statement timeout, are tried again until they go through (shared.db.transient_kind).
"""
from __future__ import annotations

import asyncio
from datetime import date

import pytest

from contracts.requests import ServiceRequested
from shared.consumer import Context, EventConsumer
from shared.testing import DatabaseOnly

pytestmark = pytest.mark.db


def _requested(ref: str) -> ServiceRequested:
    return ServiceRequested(request_id=ref, person_ref="P1", requested_by="person", requested_start=date(2026, 12, 1))


async def _tables(db: DatabaseOnly) -> None:
    await db.pool.execute("CREATE TABLE a (n int); CREATE TABLE b (n int); CREATE TABLE applied (ref text)")


ROUNDS = 3  # more than the attempts a deterministic failure gets (DatabaseOnly: 2) before its dead letter


async def test_a_handler_chosen_as_a_deadlocks_victim_is_retried_and_applied_once_in_order():
    """R1's handler is the victim of three deadlocks in a row; R2, later on the same partition, must
    not apply before it, and R1 must not be dead-lettered."""
    async with DatabaseOnly("requests") as db:
        await _tables(db)
        attempts: list[str] = []
        a_locked = [asyncio.Event() for _ in range(ROUNDS)]
        other_has_b = [asyncio.Event() for _ in range(ROUNDS)]

        async def on_requested(conn, event: ServiceRequested, ctx: Context) -> None:
            attempts.append(event.request_id)
            round_ = attempts.count("R1") - 1
            if event.request_id == "R1" and round_ < ROUNDS:
                await conn.execute("LOCK TABLE a IN EXCLUSIVE MODE")
                a_locked[round_].set()
                await other_has_b[round_].wait()
                await conn.execute("LOCK TABLE b IN EXCLUSIVE MODE")  # waits first, so Postgres undoes this side
            await conn.execute("INSERT INTO applied VALUES ($1)", event.request_id)

        async def other_work() -> None:
            for round_ in range(ROUNDS):
                await a_locked[round_].wait()
                async with db.pool.acquire() as conn, conn.transaction():
                    await conn.execute("LOCK TABLE b IN EXCLUSIVE MODE")
                    other_has_b[round_].set()
                    await asyncio.sleep(0.3)
                    await conn.execute("LOCK TABLE a IN EXCLUSIVE MODE")

        consumer = EventConsumer(name="test.deadlock", topic="requests.events", handlers={ServiceRequested: on_requested})
        await asyncio.wait_for(asyncio.gather(db.send(consumer, _requested("R1"), _requested("R2")), other_work()), 60)
        assert db.dead == []
        assert [r["ref"] for r in await db.fetch("SELECT ref FROM applied")] == ["R1", "R2"]
        assert [t[1:] for t in db.transient] == [("contention", "DeadlockDetectedError")] * ROUNDS


async def test_a_handler_past_the_statement_timeout_is_retried_and_nothing_is_lost():
    async with DatabaseOnly("requests", statement_timeout_ms=200) as db:
        await _tables(db)
        attempts: list[str] = []

        async def slow_once(conn, event: ServiceRequested, ctx: Context) -> None:
            attempts.append(event.request_id)
            if len(attempts) <= ROUNDS:
                await conn.execute("SELECT pg_sleep(1)")  # cancelled by the session's statement_timeout
            await conn.execute("INSERT INTO applied VALUES ($1)", event.request_id)

        consumer = EventConsumer(name="test.timeout", topic="requests.events", handlers={ServiceRequested: slow_once})
        await db.send(consumer, _requested("R1"))
        assert db.dead == []
        assert [t[1:] for t in db.transient] == [("contention", "QueryCanceledError")] * ROUNDS
        assert [r["ref"] for r in await db.fetch("SELECT ref FROM applied")] == ["R1"]
