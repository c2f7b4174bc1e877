"""queries.events in: re-verify a visit with the corrected times a query's resolution gave
(`steps.reverification`): VisitVerified with the next revision and VisitCorrected echoing the query's ids,
or VisitReverificationRefused with the reason."""
from __future__ import annotations

import asyncpg

from contracts import queries
from contracts.envelope import Actor
from services.delivery.steps.reverification import answer_reverification
from shared.consumer import Context, EventConsumer
from shared.events import Cause

SYSTEM = Actor(id="system:delivery", role="system")


async def on_reverification_requested(conn: asyncpg.Connection, event: queries.VisitReverificationRequested,
                                      ctx: Context) -> None:
    await answer_reverification(conn, ctx.outbox, Cause.from_envelope(ctx.envelope, SYSTEM), event)


QUERIES = EventConsumer(
    name="delivery.queries",
    topic=queries.TOPIC,
    handlers={queries.VisitReverificationRequested: on_reverification_requested},
    description="Re-verifications a query's resolution asked for: the visit is verified again with the corrected "
                "times (VisitVerified next revision, VisitCorrected echoing the query's ids), or refused with why.",
)
