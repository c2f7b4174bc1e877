"""Review a proposed run: leave one line (and what settles with it) out, with the reviewer's reason."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from services.payments.domain.payment_run import Actor, PaymentRun
from services.payments.store import runs as store_runs


async def exclude_line(conn: asyncpg.Connection, run_id: str, line_id: str, reason: str, by: Actor,
                       at: datetime) -> PaymentRun:
    """Leave one line (and what settles with it) out of a proposed run, with the reviewer's reason (LookupError
    naming what is not there: the run, or the line in it)."""
    if await store_runs.lock_run(conn, run_id) is None:
        raise LookupError(f"payment run {run_id}")
    reference = await store_runs.payment_of_line(conn, run_id, line_id)
    if reference is None:
        raise LookupError(f"line {line_id} of payment run {run_id} (GET the run to see its lines)")
    # Only the payment holding the line is read: reviewing a 50,000-invoice run stays quick.
    before = (await store_runs.load_run(conn, run_id, only_payment=reference)).run
    after = before.exclude_line(line_id, reason, by, at)
    await store_runs.record_review(conn, before, after)
    return after
