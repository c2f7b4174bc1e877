"""HTTP: a person's budget against commitment and spend, and their statement in plain language."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from shared.auth import Principal, forbid_unless, require
from shared.bounds import Key
from shared.http import ALSO_CSV
from services.reporting.api.common import (OFFICERS, Format, csv_response, date_range, dict_rows, json_response,
                                          reading, today)
from services.reporting.api.models import BudgetOut
from services.reporting.api.params import From, To
from services.reporting.api.statement_models import StatementOut
from services.reporting.api.statement_html import render
from services.reporting.domain.periods import PeriodKind
from services.reporting.domain.statement import statement
from services.reporting.store import dims as store_dims
from services.reporting.store.people import budget, statement_figures
from services.reporting.store.spend import MEASURES

router = APIRouter(tags=["people"])
PersonRef = Annotated[Key, Path(description="The person's pseudonymous reference.")]


@router.get("/people/{person_ref}/budget", response_model=BudgetOut, response_model_by_alias=True, responses=ALSO_CSV,
            summary="Personal budget against commitment and actual spend, per period and in total")
async def get_person_budget(person_ref: PersonRef, request: Request,
                            principal: Annotated[Principal, Depends(require(*OFFICERS, "person"))],
                            period: PeriodKind = "week", from_: From = None, to: To = None, format: Format = "json"):
    """Officers; a person only their own; a social worker only a person allocated to them (403 otherwise). A
    person reporting has heard nothing of answers with nothing in it (no budget, zero figures), not 404. By
    default the last 52 weeks (or 12 months); a range longer than three years is 422 (`from`)."""
    forbid_unless(principal.may_see_person(person_ref), "a person may only see their own budget")
    first, last = date_range(period, from_, to)
    async with reading(request) as conn:
        if principal.role == "social_worker":
            forbid_unless(await store_dims.is_social_worker_of(conn, person_ref, principal.subject),
                          "a social worker may only see the budget of a person allocated to them")
        figures = await budget(conn, person_ref, period=period, first=first, last=last)
    if format == "csv":
        columns = ["period_start", "period_end", "budget_pence", *MEASURES]
        return csv_response(f"budget-{person_ref}-{period}.csv", columns, dict_rows(figures["periods"], columns))
    return json_response(figures)


def financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


@router.get("/people/{person_ref}/statement", response_model=StatementOut, response_model_by_alias=True,
            summary="What was planned, delivered, invoiced and paid from the person's budget, in plain language",
            description="For the person themselves (a person token for them) and the social worker they are "
                        "allocated to (by a team manager); anyone else is refused (403). Whole months; by default "
                        "the financial year (from April) up to the end of this month, or of `to`'s month; at most "
                        "three years. `format=html` gives a readable page.",
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}})
async def get_person_statement(person_ref: PersonRef, request: Request,
                               principal: Annotated[Principal, Depends(require("person", "social_worker"))],
                               from_: From = None, to: To = None, format: Literal["json", "html"] = "json"):
    async with reading(request) as conn:
        if principal.role == "person":
            forbid_unless(principal.person_ref == person_ref, "a person may only read their own statement")
        else:
            forbid_unless(await store_dims.is_social_worker_of(conn, person_ref, principal.subject),
                          "only the social worker the person is allocated to may read their statement")
        first, last = date_range("month", from_ or financial_year_start(to or today()), to)
        out = statement(await statement_figures(conn, person_ref, first, last))
    if format == "html":
        return HTMLResponse(render(out))
    return json_response(out)
