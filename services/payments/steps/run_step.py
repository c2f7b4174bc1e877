"""What every step on one run starts with: the run locked and read, the transaction's JIT off, and a
stopwatch for the step's log line."""
from __future__ import annotations

import time

import asyncpg

from services.payments.store import runs as store_runs
from services.payments.store.runs import StoredRun


class Stopwatch:
    """Milliseconds per step, for the log line of a run step (where a large run spends its time)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        elapsed, self.last = now - self.last, now
        return round(elapsed * 1000, 1)


async def without_jit(conn: asyncpg.Connection) -> None:
    """For this transaction: Postgres would JIT-compile a run's big one-off queries for longer than
    they take to run (400 ms of compiling for a 90 ms read of 50,000 invoices)."""
    await conn.execute("SET LOCAL jit = off")


async def locked(conn: asyncpg.Connection, run_id: str, *, lines: bool = True) -> StoredRun:
    """The run, its row locked until the transaction ends (LookupError when there is no such run)."""
    if await store_runs.lock_run(conn, run_id) is None:
        raise LookupError(run_id)
    stored = await store_runs.load_run(conn, run_id, lines=lines)
    assert stored is not None
    return stored
