"""requests.events in: the person's assessed weekly contribution, as agreed with a request and reassessed.

A budget agreed with a request is in force from the start of care; a reassessment from its
`effective_from`. Each is kept with when it was decided (the event's `occurred_at`), which orders the
decisions of a person's requests: on a day, the one decided last applies. A replay changes nothing; an
older copy of a request's agreed budget arriving late does not replace a newer one.
"""
from __future__ import annotations

import asyncpg

from contracts import requests as contract
from shared.consumer import Context, EventConsumer
from shared.logging import get_logger
from services.invoicing.store import contributions as store_contributions

log = get_logger(__name__)


async def on_budget_agreed(conn: asyncpg.Connection, event: contract.BudgetAgreed,
                           ctx: Context[contract.BudgetAgreed]) -> None:
    kept = await store_contributions.keep_agreed(conn, event.person_ref, event.request_id,
                                                 event.weekly_contribution_pence, ctx.envelope.occurred_at)
    log.info("contribution agreed" if kept else "older contribution not kept", request_id=event.request_id)


async def on_budget_reassessed(conn: asyncpg.Connection, event: contract.BudgetReassessed,
                               ctx: Context[contract.BudgetReassessed]) -> None:
    kept = await store_contributions.keep_reassessed(conn, event.person_ref, event.request_id, event.reassessment_id,
                                                     event.effective_from, event.weekly_contribution_pence,
                                                     ctx.envelope.occurred_at)
    if kept:
        log.info("contribution reassessed", request_id=event.request_id, reassessment_id=event.reassessment_id,
                 effective_from=event.effective_from.isoformat())


REQUESTS = EventConsumer(
    name="invoicing.requests",
    topic=contract.TOPIC,
    handlers={
        contract.BudgetAgreed: on_budget_agreed,
        contract.BudgetReassessed: on_budget_reassessed,
    },
    description="Budgets agreed and reassessed: the person's weekly contribution charged for arranged care and ISFs.",
)
