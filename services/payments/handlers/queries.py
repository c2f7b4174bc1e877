"""queries.events in: a disputed invoice is left out of every run until its dispute closes."""
from __future__ import annotations

import asyncpg

from contracts import queries
from shared.consumer import Context, EventConsumer
from services.payments.store import inputs as store


async def on_dispute(conn: asyncpg.Connection, event: queries.DisputeOpened | queries.DisputeClosed,
                     ctx: Context) -> None:
    await store.set_dispute(conn, event.query_id, event.invoice_id, isinstance(event, queries.DisputeOpened))


DISPUTES = EventConsumer(
    name="payments.disputes",
    topic=queries.TOPIC,
    handlers={queries.DisputeOpened: on_dispute, queries.DisputeClosed: on_dispute},
    description="Disputed invoices are left out of every run until the dispute closes.",
)
