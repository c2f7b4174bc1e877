"""HTTP: raising a query, officers' work lists and raisers' own lists, and one query with its history.

Any role may call these; the domain decides. A provider raises only about its own subjects, a person
only about their own (403 with the reason); a subject this service has not heard of is 422 on
`subject_id`. Officers list all work with filters; a provider or person lists only what their side
raised, and reads only that (403 otherwise).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from contracts.queries import QueryCategory
from services.queries import metrics, store
from services.queries.api.callers import ANYONE, party_of
from services.queries.api.models import QueryIn, QueryOut, QuerySummary
from services.queries.config import config
from services.queries.domain.entitlement import may_view
from services.queries.domain.query import QueryStatus
from services.queries.domain.sla import AgeBand, SlaState
from services.queries.domain.views import OPEN_WORK, OfficerFilter, Order, officer_view, own_queries
from services.queries.steps.raising import raise_about
from shared.auth import Principal
from shared.bounds import MAX_FILTER_VALUES, Filter
from shared.clock import utcnow
from shared.http import cause_of, not_found, runtime_of, transaction

router = APIRouter(tags=["queries"])


@router.post("/queries", status_code=status.HTTP_201_CREATED, response_model=QueryOut, summary="Raise a query")
async def raise_a_query(body: QueryIn, request: Request,
                        principal: Annotated[Principal, Depends(ANYONE)]) -> QueryOut:
    """Publishes QueryRaised (and DisputeOpened when it disputes an invoice). The description and
    attachments stay in this service."""
    party, now = party_of(principal), utcnow()
    async with transaction(request) as conn:
        step = await raise_about(conn, runtime_of(request).outbox, cause_of(request, principal), body.subject_kind,
                                 body.subject_id, body.category, body.description, party, now,
                                 attachments=body.attachment_refs(), disputes_invoice=body.disputes_invoice,
                                 policies=config().sla)
    metrics.observe(step.query, step.events)
    return QueryOut.of(step.query, now)


@router.get("/queries", response_model=list[QuerySummary], summary="Officers' work lists; a raiser's own queries")
async def list_queries(
    request: Request,
    principal: Annotated[Principal, Depends(ANYONE)],
    team: Annotated[list[Filter] | None, Query(max_length=MAX_FILTER_VALUES,
                                                description="Assigned to one of these teams.")] = None,
    officer_id: Filter | None = None,
    status_: Annotated[list[QueryStatus] | None, Query(alias="status", max_length=MAX_FILTER_VALUES,
                                                       description="Default: not closed.")] = None,
    sla_state: Annotated[list[SlaState] | None, Query(max_length=MAX_FILTER_VALUES)] = None,
    age_band: Annotated[list[AgeBand] | None, Query(max_length=MAX_FILTER_VALUES,
                                                    description="Working days since raised.")] = None,
    category: Annotated[list[QueryCategory] | None, Query(max_length=MAX_FILTER_VALUES)] = None,
    unassigned: bool = False,
    order: Order = Order.MOST_URGENT,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[QuerySummary]:
    """Officers: open work by default, most urgent first (breached, at risk, then by deadline).
    A provider or person: the queries their side raised, newest first (filters by status and category)."""
    party, now = party_of(principal), utcnow()
    categories = {c.value for c in category} if category else None
    async with transaction(request) as conn:
        if party.role.value == "officer":
            found = await store.queries.listed(conn, statuses=set(status_ or OPEN_WORK), teams=team,
                                               categories=categories, officer_id=officer_id, oldest_first=True)
        else:
            found = await store.queries.listed(conn, statuses=set(status_) if status_ else None,
                                               categories=categories, raised_by_provider=party.provider_id,
                                               raised_by_person=party.person_ref)
    if party.role.value != "officer":
        return [QuerySummary.of(r) for r in own_queries(party, found, now)[:limit]]
    where = OfficerFilter(teams=frozenset(team) if team else None, officer_id=officer_id,
                          statuses=frozenset(status_ or OPEN_WORK), sla_states=frozenset(sla_state or ()) or None,
                          age_bands=frozenset(age_band or ()) or None,
                          categories=frozenset(category or ()) or None, unassigned=unassigned)
    return [QuerySummary.of(r) for r in officer_view(found, now, where, order)[:limit]]


@router.get("/queries/{query_id}", response_model=QueryOut, summary="One query with its notes, history and effect")
async def get_query(query_id: str, request: Request, principal: Annotated[Principal, Depends(ANYONE)]) -> QueryOut:
    async with transaction(request) as conn:
        query = await store.queries.load(conn, query_id)
    if query is None:
        raise not_found(f"query {query_id}")
    may_view(party_of(principal), query).enforce()
    return QueryOut.of(query, utcnow())
