"""requests.events -> personal budgets, and the social worker each person is allocated to.

A person's social worker (who may read their budget and statement here) comes from the allocation
events only (PersonAllocated / PersonDeallocated of a social_worker), in the order published; who
submitted or acted on a request grants nothing.

A budget applies from its business date: BudgetAgreed's `effective_from` (the requested start; else
the day it was agreed), RequestApproved's `requested_start`, BudgetReassessed's `effective_from`."""
from __future__ import annotations

import asyncpg

from datetime import date

from contracts import requests as contract
from contracts.envelope import Envelope
from shared.clock import london_date
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.commitments import budget_contributions, budget_rates, intervals
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.store import commitments as store_commitments, dims as store_dims

SOCIAL_WORKER = "social_worker"
_BUDGETS = (contract.BudgetAgreed, contract.RequestApproved, contract.BudgetReassessed)


def effective_from(event: contract.BudgetAgreed | contract.RequestApproved | contract.BudgetReassessed
                   ) -> date | None:
    """The first day a budget applies, as the event says it (None: from the day it was agreed)."""
    if isinstance(event, contract.RequestApproved):
        return event.requested_start
    return event.effective_from


def allocation_changes(envelopes: list[Envelope]) -> list[tuple[bool, str, str]]:
    """(allocated?, person_ref, worker_id) for each social worker allocation change, in order."""
    return [(isinstance(e.payload, contract.PersonAllocated), e.payload.person_ref, e.payload.worker_id)
            for e in envelopes if isinstance(e.payload, (contract.PersonAllocated, contract.PersonDeallocated))
            and e.payload.worker_role == SOCIAL_WORKER]


async def apply(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    await store_dims.apply_social_worker_allocations(conn, allocation_changes(envelopes))
    agreed = [(e.payload.person_ref, e.occurred_at, london_date(e.occurred_at), effective_from(e.payload),
               e.payload.weekly_budget_pence, e.payload.weekly_contribution_pence) for e in envelopes
              if isinstance(e.payload, _BUDGETS)]
    if not agreed:
        return
    held = await store_commitments.budgets(conn, [a[0] for a in agreed])
    for person in sorted({a[0] for a in agreed}):
        before = held.get(person, [])
        after = {b[0]: b for b in before} | {a[1]: a[1:] for a in agreed if a[0] == person}
        deltas.replace(budget_contributions(person, intervals(budget_rates(before))),
                       budget_contributions(person, intervals(budget_rates(list(after.values())))))
    await store_commitments.save_budgets(conn, agreed)


REQUESTS = batch_consumer(
    "reporting.requests", contract.TOPIC,
    [contract.ServiceRequested, contract.RequestAssessed, contract.BudgetAgreed, contract.MechanismChosen,
     contract.RequestApproved, contract.RequestActivated, contract.RequestCancelled, contract.RequestClosed,
     contract.PersonAllocated, contract.PersonDeallocated, contract.BudgetReassessed],
    apply, "Personal budgets (agreed, approved or reassessed, each from its own day) and the social worker each "
           "person is allocated to.")
