"""Faults inside the database's answers, mid-month: the month comes out the same.

- a deadlock in a handler: Postgres undoes the consumer's transaction as a deadlock's victim, again and
  again (more times than a deterministic failure is tried before its dead letter); the batch is
  retried, applied once and in order, and nothing is dead-lettered;
- a statement timeout: a consumer's statement is cancelled for running past `statement_timeout`, as
  often; retried, nothing lost;
- an outbox row Kafka refuses: a row larger than the topic takes is set aside, kept and listed, and
  the rest of that service's outbox flows.

The first two are injected by a trigger on a table the consumer writes, which raises exactly what
Postgres raises for them (SQLSTATE 40P01, 57014) for its first few statements, counted by a sequence
(a sequence is not undone with the transaction that advanced it).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
import pytest

from shared.kafka_security import kafka_settings
from shared.settings import settings_for
from tests.reliability.conftest import assert_same, run_the_month
from tests.reliability.results import paid_twice

pytestmark = pytest.mark.stack

# More than a deterministic failure gets (CAREPAY_CONSUMER_MAX_ATTEMPTS, 5) before its dead letter, so a
# consumer that treated these as the message's fault would dead-letter it and the month would differ.
FAILURES = 6


@dataclass
class Injected:
    what: str
    raised: int = 0


def _database_url() -> str:
    return settings_for("requests").database_url


async def _install(conn: asyncpg.Connection, name: str, table: str, sqlstate: str, message: str) -> None:
    await conn.execute(f"""
        CREATE SEQUENCE public.{name}_seq;
        CREATE FUNCTION public.{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF nextval('public.{name}_seq') <= {FAILURES} THEN
                RAISE EXCEPTION '{message}' USING ERRCODE = '{sqlstate}';
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER {name} BEFORE INSERT ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION public.{name}();""")


async def _remove(conn: asyncpg.Connection, name: str, table: str) -> int:
    """Drop the fault; how many statements it failed."""
    raised = await conn.fetchval(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.{name}_seq")
    await conn.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS public.{name}();"
                       f" DROP SEQUENCE IF EXISTS public.{name}_seq;")
    return min(int(raised), FAILURES)


FAULTS = {
    # invoicing's consumer of delivery.events stores each confirmed week (then self-bills it)
    "deadlock": ("invoicing.confirmed_weeks", "40P01", "deadlock detected (injected)"),
    # payments' consumer of invoicing.events stores each approved invoice it may pay
    "statement_timeout": ("payments.invoices", "57014", "canceling statement due to statement timeout (injected)"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_transient_database_failure_in_a_handler_changes_nothing_in_the_month(fault, baseline, today, restored):
    table, sqlstate, message = FAULTS[fault]
    name = f"carepay_fault_{fault}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(_database_url())
    injected = Injected(fault)
    try:
        async def fail_in_week_two(milestones, month):
            await milestones.reached("week 2", month)
            await _install(conn, name, table, sqlstate, message)
            await month
            return injected

        outcome = await run_the_month(today, fail_in_week_two)
    finally:
        injected.raised = await _remove(conn, name, table)
        await conn.close()
    print(f"\nmonth {outcome.month.council.tag} with {fault} x{injected.raised}: {outcome.seconds}s "
          f"(undisturbed {baseline.seconds}s), settled in {outcome.settled_in}s")
    assert injected.raised == FAILURES, f"the {fault} was injected {injected.raised} times, not {FAILURES}"
    assert_same(outcome, baseline)
    assert await paid_twice(outcome.month, today) == []


async def test_an_outbox_row_kafka_refuses_is_set_aside_and_the_rest_flows(baseline, today, restored):
    """A row over what the topic takes is written into requests' outbox mid-month: it is set aside
    (kept, with the reason), and every event after it still goes out (the month is the same)."""
    event_id = uuid.uuid4()
    conn = await asyncpg.connect(_database_url())
    try:
        async def refused_row_in_week_one(milestones, month):
            await milestones.reached("week 1", month)
            await conn.execute(
                "INSERT INTO requests.outbox (event_id, topic, key, event_type, value, headers)"
                " VALUES ($1, 'requests.events', $2, 'RequestCancelled', $3, '{}'::jsonb)",
                event_id, f"REQ-TOO-BIG-{event_id.hex[:6]}", b"x" * kafka_settings().max_message_bytes)
            await month

        outcome = await run_the_month(today, refused_row_in_week_one)
        row = await conn.fetchrow("SELECT published_at, set_aside_at, set_aside_error FROM requests.outbox"
                                  " WHERE event_id = $1", event_id)
        later = await conn.fetchval("SELECT count(*) FROM requests.outbox WHERE published_at IS NULL"
                                    " AND set_aside_at IS NULL")
    finally:
        await conn.close()
    assert row is not None, "the refused row was lost: it must be kept"
    assert row["published_at"] is None and row["set_aside_at"] is not None, dict(row)
    assert row["set_aside_error"], "a set-aside row says why"
    assert later == 0, f"{later} of requests' events were held back behind the refused row"
    assert_same(outcome, baseline)
    assert await paid_twice(outcome.month, today) == []
