"""ISF returns: a provider says what each period's budget bought (JSON, or a CSV file of returns); an
officer accepts one held over budget; officers, the provider and the person read them; and the
balance each ISF provider holds.

Read by finance officers, finance approvers and ops; a provider sends and sees only its own; a person
sees only their own returns ("what my ISF bought"); another's return is not found (404). Other officer
roles (social workers, brokerage officers, team managers) may not read them (403). A list is filtered to
what the caller may see in SQL, before its page is cut. Any problem with what was sent: 422 listing every one
({"field", "row", "message"}, and FastAPI's "loc"/"msg"/"type"), and nothing is recorded; a second
return for the same agreement and period: 409.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from shared.auth import Principal, forbid_unless, forbid_unless_provider, require
from shared.bounds import Filter
from shared.clock import london_date, utcnow
from shared.http import MAX_OFFSET, cause_of, not_found, runtime_of, transaction
from shared.schemas import inline_refs
from services.invoicing.api.invoices import actor_of
from services.invoicing.api.isf_models import IsfBalanceOut, IsfReturnIn, IsfReturnOut, isf_return_out
from services.invoicing.api.models import ReasonIn
from services.invoicing.config import config
from services.invoicing.domain.isf_balances import balance_through, retained_pence
from services.invoicing.domain.isf_returns import Problem, ReturnRefused
from services.invoicing.domain.isf_returns_csv import parse_isf_returns_csv
from services.invoicing.steps import isf_returns as steps
from services.invoicing.store import facts as store_facts
from services.invoicing.store import isf_balances as store_balances
from services.invoicing.store import isf_returns as store_returns
from services.invoicing.store.isf_returns import ReturnFilter

router = APIRouter(tags=["ISF returns"])
SENDERS = ("provider", "finance_officer")
ACCEPTERS = ("finance_officer", "finance_approver")
READERS = ("finance_officer", "finance_approver", "ops")  # officers who read ISF returns and balances
_CSV = {"schema": {"type": "string", "description": "person_ref,period_start,support_type,subcontractor,hours,spend,"
                                                    "over_budget_reason; header row 1; spend in pounds"}}



_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": inline_refs(IsfReturnIn.model_json_schema())}, "text/csv": _CSV}}}


def refused(problems: list[Problem]) -> RequestValidationError:
    """422 naming every problem: its field, its row (CSV) and what is wrong."""
    return RequestValidationError([
        {"loc": ["body", *(["row", p.row] if p.row is not None else []), *p.field.replace("[", ".").replace("]", "")
                 .split(".")], "msg": p.message, "type": "value_error", "field": p.field, "row": p.row,
         "message": p.message} for p in problems])


def _pydantic_problems(exc: ValidationError) -> list[Problem]:
    def field(loc) -> str:
        out = ""
        for part in loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "body"
    return [Problem(field(e["loc"]), f"{field(e['loc'])}: {e['msg']}") for e in exc.errors(include_url=False)]


async def _submissions(request: Request):
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return [IsfReturnIn.model_validate_json(await request.body()).submission()], "json", []
        except ValidationError as bad:
            raise refused(_pydantic_problems(bad)) from None
    if kind in ("text/csv", "application/csv"):
        submissions, problems = parse_isf_returns_csv(await request.body())
        if problems and not submissions:
            raise refused(problems)
        return submissions, "csv", problems
    raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail="send application/json (one return) or"
                                                                         " text/csv (returns, one row per line)")


@router.post("/providers/{provider_id}/isf-returns", status_code=status.HTTP_201_CREATED, openapi_extra=_BODY,
             response_model=IsfReturnOut | list[IsfReturnOut], summary="Send ISF returns (JSON one, CSV several)")
async def send_returns(provider_id: str, request: Request, principal: Annotated[Principal, Depends(require(*SENDERS))]
                       ) -> IsfReturnOut | list[IsfReturnOut]:
    """JSON: one return, answered with it. CSV: one return per (person_ref, period_start), answered with
    the list. Accepted at once, or held (spend over budget, with a reason) for another officer."""
    forbid_unless_provider(principal, provider_id, "ISF returns")
    submissions, source, unreadable = await _submissions(request)
    async with transaction(request) as conn:
        try:
            ids = await steps.record(conn, runtime_of(request).outbox, cause_of(request, principal),
                                     actor_of(principal), provider_id, submissions, source=source,
                                     today=london_date(utcnow()), unreadable=unreadable)
        except ReturnRefused as bad:
            raise refused(list(bad.problems)) from None
        out = [isf_return_out(await store_returns.load(conn, i)) for i in ids]
    return out[0] if source == "json" else out


def _visible(principal: Principal, found: store_returns.ReturnOnFile | None) -> bool:
    if found is None:
        return False
    r = found.isf_return
    if principal.role == "person":
        return principal.may_see_person(r.person_ref)
    return principal.may_see_provider(r.provider_ref)


@router.post("/isf-returns/{return_id}/accept", response_model=IsfReturnOut, summary="Accept a held ISF return")
async def accept_return(return_id: str, body: ReasonIn, request: Request,
                        principal: Annotated[Principal, Depends(require(*ACCEPTERS))]) -> IsfReturnOut:
    """By a finance officer or approver who did not submit it (403 for the submitter); then its balance
    and any surplus are worked out as for a return accepted at once."""
    async with transaction(request) as conn:
        try:
            await steps.accept(conn, runtime_of(request).outbox, cause_of(request, principal, body.reason),
                               actor_of(principal, body.reason), return_id, body.reason, today=london_date(utcnow()))
        except steps.ReturnNotFound:
            raise not_found(f"ISF return {return_id}") from None
        return isf_return_out(await store_returns.load(conn, return_id))


@router.get("/isf-returns", response_model=list[IsfReturnOut], summary="ISF returns, newest period first")
async def list_returns(request: Request, principal: Annotated[Principal, Depends(require(*READERS, "provider",
                                                                                                  "person"))],
                       person_ref: Filter | None = None, provider_id: Filter | None = None,
                       agreement_id: Filter | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                       offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[IsfReturnOut]:
    """A person lists only their own (what their ISF bought), a provider only its own: the filter is in
    the query, so a page holds only what the caller may see."""
    if principal.role == "person":
        forbid_unless(principal.person_ref is not None and person_ref in (None, principal.person_ref),
                      "a person sees only their own ISF returns")
        person_ref = principal.person_ref
    if principal.role == "provider":
        forbid_unless(principal.provider_id is not None and provider_id in (None, principal.provider_id),
                      "a provider sees only its own ISF returns")
        provider_id = principal.provider_id
    async with transaction(request) as conn:
        found = await store_returns.list_returns(conn, ReturnFilter(person_ref or None, provider_id or None,
                                                                    agreement_id or None, limit, offset))
    return [isf_return_out(f) for f in found if _visible(principal, f)]


@router.get("/isf-returns/{return_id}", response_model=IsfReturnOut, summary="One ISF return")
async def get_return(return_id: str, request: Request,
                     principal: Annotated[Principal, Depends(require(*READERS, "provider", "person"))]
                     ) -> IsfReturnOut:
    async with transaction(request) as conn:
        found = await store_returns.load(conn, return_id)
    if not _visible(principal, found):
        raise not_found(f"ISF return {return_id}")
    return isf_return_out(found)


@router.get("/isf-balances", response_model=list[IsfBalanceOut], summary="What each ISF provider holds, today")
async def list_balances(request: Request, principal: Annotated[Principal, Depends(require(*READERS, "provider"))],
                        provider_id: Filter | None = None, person_ref: Filter | None = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100,
                        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[IsfBalanceOut]:
    """Per ISF agreement: advanced for the periods begun by today, spent (accepted returns), reclaimed,
    the balance, and what the provider may keep. A provider sees only its own."""
    if principal.role == "provider":
        forbid_unless(provider_id in (None, principal.provider_id), "a provider sees only its own ISF balances")
        provider_id = principal.provider_id
    today = london_date(utcnow())
    async with transaction(request) as conn:
        ids = await store_balances.isf_agreement_ids(conn, provider_id=provider_id or None,
                                                     person_refs=[person_ref] if person_ref else None,
                                                     limit=limit, offset=offset)
        out = []
        for agreement in sorted((await store_facts.agreements(conn, ids)).values(), key=lambda a: a.agreement_id):
            b = balance_through(today, advances=await store_balances.advances(conn, agreement.agreement_id),
                                spent=await store_balances.accepted_spend(conn, agreement.agreement_id),
                                reclaimed=await store_balances.reclaimed(conn, agreement.agreement_id),
                                retained=retained_pence(agreement, today, config().isf_retained_weeks))
            out.append(IsfBalanceOut(agreement_id=agreement.agreement_id, provider_id=agreement.provider_ref,
                                     person_ref=agreement.person_ref, advanced_pence=b.advanced_pence,
                                     spent_pence=b.spent_pence, reclaimed_pence=b.reclaimed_pence,
                                     balance_pence=b.balance_pence, retained_pence=b.retained_pence))
    return out
