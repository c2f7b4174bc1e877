"""HTTP: raising a query, officers' work lists and raisers' own lists, and one query with its history.

Providers, people and officers may call these; the domain decides the rest. A provider raises only about
its own subjects, a person only about their own (403 with the reason); a subject this service has not
heard of is 404 (code subject_not_found, field body.subject_id). Officers list all work; a provider or
person lists only what their side raised, and reads only that (403 otherwise).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from contracts.queries import PartyRole, QueryCategory, SubjectKind
from services.queries import metrics, store
from services.queries.api.callers import ANYONE, party_of
from services.queries.api.models import QueryIn, QueryOut, QuerySummary
from services.queries.config import config
from services.queries.domain.entitlement import may_view
from services.queries.domain.errors import NotKnown
from services.queries.domain.query import QueryStatus
from services.queries.domain.sla import AgeBand, SlaState
from services.queries.domain.views import OPEN_WORK, Order, judging_at, row_of
from services.queries.steps.raising import raise_about
from services.queries.store.listing import KEY_TYPES, ListFilter
from shared.auth import Principal
from shared.bounds import MAX_FILTER_VALUES, Filter, Key, PathId
from shared.clock import utcnow
from shared.http import cause_of, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params
from shared.pagination import paged as paged_list
from shared.problems import ApiProblem

router = APIRouter(tags=["queries"])

# How long a list's cursor holds its first page's instant: older cursors start again (422 on query.after);
# and how far ahead of this instance's clock another instance's may have been when it gave one out.
CURSOR_LIFETIME = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)
NOT_FOUND_QUERY = {404: {"description": "No query with this query_id (code query_not_found)"}}
SUBJECT_NOT_FOUND = {404: {"description": "The subject (subject_kind, subject_id) is not known to queries: not "
                                          "published by its own service (yet), or the id or kind is wrong "
                                          "(code subject_not_found, field body.subject_id)"}}


def query_not_found(query_id: str) -> ApiProblem:
    return ApiProblem(404, "query_not_found", f"no query {query_id}: check the query_id")


def not_known(unknown: NotKnown) -> ApiProblem:
    """404 naming the field of the body that names something this service has not heard of."""
    return ApiProblem(404, unknown.code, str(unknown), errors=[
        {"loc": ["body", unknown.field], "msg": str(unknown), "type": "not_found"}])


@router.post("/queries", status_code=status.HTTP_201_CREATED, response_model=QueryOut, summary="Raise a query",
             responses={**SUBJECT_NOT_FOUND,
                        403: {"description": "A provider or person may raise a query only about their own "
                                             "subjects; a person may not dispute an invoice"}})
async def raise_query(body: QueryIn, request: Request, principal: Annotated[Principal, Depends(ANYONE)]) -> QueryOut:
    """Publishes QueryRaised (and DisputeOpened when it disputes an invoice). The description and
    attachments stay in this service."""
    party, now = party_of(principal), utcnow()
    try:
        async with transaction(request) as conn:
            step = await raise_about(conn, runtime_of(request).outbox, cause_of(request, principal),
                                     body.subject_kind, body.subject_id, body.category, body.description, party, now,
                                     attachments=body.attachment_refs(), disputes_invoice=body.disputes_invoice,
                                     policies=config().sla)
    except NotKnown as unknown:
        raise not_known(unknown) from None
    metrics.observe(step.query, step.events)
    return QueryOut.of(step.query, now)


def _resumed(page: Page, order: Order) -> tuple[datetime, tuple[Any, ...] | None]:
    """The instant the list is judged at and the key its page starts after: those of the cursor, or now and
    None on a first page. A cursor this list could not have given out is 422 on query.after."""
    now = utcnow()
    key = page.after_key((datetime, *KEY_TYPES[order]))
    if key is None:
        return now, None

    def wrong(msg: str) -> HTTPException:
        return HTTPException(422, detail=[{"loc": ["query", "after"], "msg": msg, "type": "value_error"}])

    as_of, *rest = key
    if any(isinstance(v, datetime) and (v.tzinfo is None or not 1900 <= v.year <= 2999) for v in key):
        raise wrong("is not a cursor of this list (its times carry no timezone, or are centuries off)")
    if not now - CURSOR_LIFETIME <= as_of <= now + CLOCK_SKEW:
        raise wrong(f"is a cursor from more than {CURSOR_LIFETIME.days} days ago (or not one of this list): "
                    "start again from the first page")
    if order == Order.MOST_URGENT and not (rest[0] in (0, 1, 2) and rest[1] in (0, 1)):
        raise wrong("is not a cursor of this list (urgency 0-2, then 0 or 1)")
    if any(isinstance(v, str) and "\x00" in v for v in rest):
        raise wrong("is not a cursor of this list (it holds a NUL character)")
    return as_of, tuple(rest)


@router.get("/queries", response_model=list[QuerySummary], responses=PAGED,
            summary="Officers' work lists; a raiser's own queries")
async def list_queries(
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(ANYONE)],
    page: Annotated[Page, Depends(page_params)],
    team: Annotated[list[Filter] | None, Query(max_length=MAX_FILTER_VALUES,
                                                description="Assigned to one of these teams.")] = None,
    officer_id: Annotated[Filter | None, Query(description="Assigned to this officer.")] = None,
    status_: Annotated[list[QueryStatus] | None, Query(
        alias="status", max_length=MAX_FILTER_VALUES,
        description="Default: every status but closed for officers, every status for a provider or person.")] = None,
    sla_state: Annotated[list[SlaState] | None, Query(max_length=MAX_FILTER_VALUES)] = None,
    age_band: Annotated[list[AgeBand] | None, Query(max_length=MAX_FILTER_VALUES,
                                                    description="Working days since raised (to closing, once "
                                                                "closed).")] = None,
    category: Annotated[list[QueryCategory] | None, Query(max_length=MAX_FILTER_VALUES)] = None,
    subject_kind: Annotated[SubjectKind | None, Query(description="About this kind of subject.")] = None,
    subject_id: Annotated[Key | None, Query(description="About this subject (its id, as in QueryIn).")] = None,
    unassigned: Annotated[bool, Query(description="Only queries with no team or officer.")] = False,
    order: Annotated[Order | None, Query(description="Default: most_urgent for officers (breached, at risk, then on "
                                                     "time; soonest deadline first), newest_first for a provider or "
                                                     "person.")] = None,
) -> list[QuerySummary]:
    """Officers: every query, open work by default, most urgent first. A provider or person: the queries
    their side raised, newest first. Every filter applies to everyone. SLA state and age band are judged
    when the first page is asked for, and the next pages (Link rel=next) keep that instant, so the pages
    of one list neither repeat nor skip a query."""
    party = party_of(principal)
    officer = party.role == PartyRole.OFFICER
    order = order or (Order.MOST_URGENT if officer else Order.NEWEST_FIRST)
    as_of, after = _resumed(page, order)
    where = ListFilter(
        statuses=set(status_) if status_ else (OPEN_WORK if officer else None), teams=team, officer_id=officer_id,
        unassigned=unassigned, categories={c.value for c in category} if category else None,
        subject_kind=subject_kind.value if subject_kind else None, subject_id=subject_id,
        raised_by_provider=party.provider_id if party.role == PartyRole.PROVIDER else None,
        raised_by_person=party.person_ref if party.acts_for_person else None,
        sla_states=set(sla_state) if sla_state else None, age_bands=set(age_band) if age_band else None)
    async with transaction(request) as conn:
        await store.queries.fill_listing_columns(conn)
        rows = await store.listing.page(conn, where, order, judging_at(as_of), after, page.fetch)
    shown = paged_list(request, response, rows, page, key=lambda r: (as_of, *r.key))
    return [QuerySummary.of(row_of(r.query, as_of)) for r in shown]


@router.get("/queries/{query_id}", response_model=QueryOut, summary="One query with its notes, history and effect",
            responses={**NOT_FOUND_QUERY, 403: {"description": "A provider or person sees only the queries their "
                                                               "side raised"}})
async def get_query(query_id: PathId, request: Request, principal: Annotated[Principal, Depends(ANYONE)]) -> QueryOut:
    async with transaction(request) as conn:
        query = await store.queries.load(conn, query_id)
    if query is None:
        raise query_not_found(query_id)
    may_view(party_of(principal), query).enforce()
    return QueryOut.of(query, utcnow())
