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

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from shared.auth import Principal, forbid_unless, forbid_unless_provider, require
from shared.bounds import Filter, PathId
from shared.clock import london_date, utcnow
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.openapi import problem_responses
from shared.pagination import PAGED, Page, page_params, paged
from shared.schemas import inline_refs
from shared.uploads import ColumnReport, read_upload, upload_body_doc
from services.invoicing.api.invoices import actor_of
from services.invoicing.api.isf_models import (IsfBalanceOut, IsfReturnFileOut, IsfReturnIn, IsfReturnOut,
                                               isf_return_out)
from services.invoicing.api.models import ReasonIn
from services.invoicing.config import config
from services.invoicing.domain.isf_balances import balance_through, retained_pence
from services.invoicing.domain.isf_returns import Problem, ReturnRefused, ReturnSubmission
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
# The raw body's types (and a multipart/form-data form's part `file`): a file of returns first, so a form's part
# sent without a type of its own is read as CSV.
FILE_TYPES = ("text/csv", "application/json")
BODY = upload_body_doc(FILE_TYPES, "One return as JSON (IsfReturnIn), or a CSV file of returns: header row 1 names "
                                   "person_ref, period_start, support_type, hours, spend (pounds) and optionally "
                                   "subcontractor, over_budget_reason; one return per (person_ref, period_start).")
BODY["requestBody"]["content"]["application/json"]["schema"] = inline_refs(IsfReturnIn.model_json_schema())


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


async def _submissions(request: Request) -> tuple[list[ReturnSubmission], str, list[Problem], ColumnReport | None]:
    """(returns, source, problems reading them, the CSV header's columns) of the request's body or form."""
    async with await read_upload(request, accept=FILE_TYPES) as upload:
        data = await upload.read()
    if upload.media_type == "application/json":
        try:
            return [IsfReturnIn.model_validate_json(data).submission()], "json", [], None
        except ValidationError as bad:
            raise refused(_pydantic_problems(bad)) from None
    read = parse_isf_returns_csv(data)
    if read.problems and not read.submissions:
        raise refused(read.problems)
    columns = ColumnReport(mapped=list(read.columns.mapped), ignored=list(read.columns.ignored))
    return read.submissions, "csv", read.problems, columns


@router.post("/providers/{provider_id}/isf-returns", status_code=status.HTTP_201_CREATED, openapi_extra=BODY,
             response_model=IsfReturnOut | IsfReturnFileOut, responses=problem_responses(409, 415),
             summary="Submit ISF returns (one as JSON, or a CSV file of several)")
async def submit_isf_returns(provider_id: PathId, request: Request,
                             principal: Annotated[Principal, Depends(require(*SENDERS))]
                             ) -> IsfReturnOut | IsfReturnFileOut:
    """The body is the JSON return (`application/json`) or the CSV file (`text/csv`), raw or as the part `file`
    of a multipart/form-data form. JSON: one return, answered with it. CSV: one return per (person_ref,
    period_start), answered with them and the header's columns read (`mapped`) and not read (`ignored`: extra
    or misspelt). Each is accepted at once, or held (spend over budget, with a reason) for another officer. 422
    naming every problem (field, and row of the file) and nothing recorded; 409 when a return for the same
    agreement and period is on file already."""
    forbid_unless_provider(principal, provider_id, "ISF returns")
    submissions, source, unreadable, columns = await _submissions(request)
    async with transaction(request) as conn:
        try:
            ids = await steps.record(conn, runtime_of(request).outbox, cause_of(request, principal),
                                     actor_of(principal), provider_id, submissions, source=source,
                                     today=london_date(utcnow()), unreadable=unreadable)
        except ReturnRefused as bad:
            raise refused(list(bad.problems)) from None
        out = [isf_return_out(await store_returns.load(conn, i)) for i in ids]
    return out[0] if columns is None else IsfReturnFileOut(returns=out, columns=columns)


def _visible(principal: Principal, found: store_returns.ReturnOnFile | None) -> bool:
    if found is None:
        return False
    r = found.isf_return
    if principal.role == "person":
        return principal.may_see_person(r.person_ref)
    return principal.may_see_provider(r.provider_ref)


@router.post("/isf-returns/{return_id}/accept", response_model=IsfReturnOut, responses=problem_responses(409),
             summary="Accept a held ISF return")
async def accept_isf_return(return_id: PathId, body: ReasonIn, request: Request,
                            principal: Annotated[Principal, Depends(require(*ACCEPTERS))]) -> IsfReturnOut:
    """By a finance officer or approver who did not submit it (403 for the submitter); then its balance
    and any surplus are worked out as for a return accepted at once. 409 for a return that is not held."""
    async with transaction(request) as conn:
        try:
            await steps.accept(conn, runtime_of(request).outbox, cause_of(request, principal, body.reason),
                               actor_of(principal, body.reason), return_id, body.reason, today=london_date(utcnow()))
        except steps.ReturnNotFound:
            raise not_found(f"ISF return {return_id}") from None
        return isf_return_out(await store_returns.load(conn, return_id))


@router.get("/isf-returns", response_model=list[IsfReturnOut], responses=PAGED,
            summary="ISF returns, newest period first")
async def list_isf_returns(
        request: Request, response: Response,
        principal: Annotated[Principal, Depends(require(*READERS, "provider", "person"))],
        page: Annotated[Page, Depends(page_params)],
        person_ref: Annotated[Filter | None, Query(description="The person's returns only.")] = None,
        provider_id: Annotated[Filter | None, Query(description="The provider's returns only (PRV-…).")] = None,
        agreement_id: Annotated[Filter | None, Query(description="The returns of one ISF agreement only.")] = None,
) -> list[IsfReturnOut]:
    """Newest period first (ties by return_id), a page at a time: follow the `Link: rel="next"` header. A person
    lists only their own (what their ISF bought), a provider only its own (asking for another's: 403): the
    filter is in the query, so a page holds only what the caller may see."""
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
                                                                    agreement_id or None),
                                                 after=page.after_key((date, str)), fetch=page.fetch)
    found = paged(request, response, found, page, key=lambda f: (f.isf_return.period.first, f.isf_return.return_id))
    return [isf_return_out(f) for f in found if _visible(principal, f)]


@router.get("/isf-returns/{return_id}", response_model=IsfReturnOut, summary="One ISF return")
async def get_isf_return(return_id: PathId, request: Request,
                         principal: Annotated[Principal, Depends(require(*READERS, "provider", "person"))]
                         ) -> IsfReturnOut:
    """A provider or person: their own only (another's is not found)."""
    async with transaction(request) as conn:
        found = await store_returns.load(conn, return_id)
    if not _visible(principal, found):
        raise not_found(f"ISF return {return_id}")
    return isf_return_out(found)


@router.get("/isf-balances", response_model=list[IsfBalanceOut], responses=PAGED,
            summary="What each ISF provider holds, today")
async def list_isf_balances(
        request: Request, response: Response,
        principal: Annotated[Principal, Depends(require(*READERS, "provider"))],
        page: Annotated[Page, Depends(page_params)],
        provider_id: Annotated[Filter | None, Query(description="The provider's ISFs only (PRV-…).")] = None,
        person_ref: Annotated[Filter | None, Query(description="The person's ISFs only.")] = None,
) -> list[IsfBalanceOut]:
    """Per ISF agreement, in agreement_id order, a page at a time (follow the `Link: rel="next"` header):
    advanced for the periods begun by today, spent (accepted returns), reclaimed, the balance, and what the
    provider may keep. A provider sees only its own (asking for another's: 403)."""
    if principal.role == "provider":
        forbid_unless(provider_id in (None, principal.provider_id), "a provider sees only its own ISF balances")
        provider_id = principal.provider_id
    today = london_date(utcnow())
    [after] = page.after_key((str,)) or (None,)
    async with transaction(request) as conn:
        ids = await store_balances.isf_agreement_ids(conn, provider_id=provider_id or None,
                                                     person_refs=[person_ref] if person_ref else None,
                                                     after=after, limit=page.fetch)
        ids = paged(request, response, ids, page, key=lambda agreement_id: (agreement_id,))
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
