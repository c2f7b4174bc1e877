"""HTTP: the dashboard page at `/` for people (operations teams and officers), and its stylesheet.

The page is drawn on the server from the reporting API's own answers, read in-process with the
visitor's token, so it shows exactly what the API says and needs no script. Who may see it, and how
the token travels, is in dashboard_auth. These routes are for a browser: the document describes them as
HTML pages (a refusal is the sign-in page, 401 or 403, not a problem), a form and a stylesheet.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from shared.bounds import MAX_FILTER_VALUES, Filter, text
from services.reporting.api.params import MAX_FILTER_CHARS
from shared.clock import week_start
from services.reporting.api import dashboard_auth as auth
from services.reporting.api.common import today
from services.reporting.api.dashboard_charts import MEASURES, view_href
from services.reporting.api.dashboard_page import dashboard_page, sign_in_page

router = APIRouter(tags=["dashboard"])
ASSETS = Path(__file__).parent / "dashboard"
PERIODS = ("month", "week")
WEEKS_SHOWN = 13
MISSED_DAYS = 14
MAX_TOKEN_CHARS = 16_384  # a bearer token, pasted or in a link
Token = text(MAX_TOKEN_CHARS)
PastedToken = text(MAX_TOKEN_CHARS, 1)
View = text(MAX_FILTER_CHARS)  # a measure or a period: another value shows the default
SPEND_PAGE = 500  # groups per page of /spend read for a chart: the dashboard follows the pages to the last
HTML = {"text/html": {"schema": {"type": "string"}}}
SIGN_IN_PAGE = {401: {"description": "Not signed in, or the token was not accepted: the sign-in page",
                      "content": HTML, "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
                403: {"description": "Not an officer or ops token (or a form from another site): the sign-in page",
                      "content": HTML}}
SIGNED_IN = {303: {"description": "Signed in: on to the dashboard (the token is kept in an HttpOnly cookie)",
                   "headers": {"Location": {"schema": {"type": "string"}},
                               "Set-Cookie": {"schema": {"type": "string"}}}}}


def _api_calls(measure: str, period: str, mechanism: str = "") -> dict[str, tuple[str, dict[str, Any]]]:
    spend: dict[str, Any] = {"period": period}
    if period == "week":  # a quarter of weeks; months use the API's default of the last twelve
        spend["from"] = (week_start(today()) - timedelta(weeks=WEEKS_SHOWN - 1)).isoformat()
    if mechanism:  # the API checks it: an unknown one is its 422, shown in the spend section
        spend["mechanism"] = mechanism
    return {"pipeline": ("/pipeline", {}),
            "missed": ("/visits/missed", {"days": MISSED_DAYS, "limit": 10}),
            "queries": ("/queries/open", {}),
            "by_service": ("/spend", {**spend, "group_by": "service_type", "limit": SPEND_PAGE}),
            "by_provider": ("/spend", {**spend, "group_by": "provider", "limit": SPEND_PAGE}),
            "by_mechanism": ("/spend", {**spend, "group_by": "mechanism", "limit": SPEND_PAGE}),
            "prompt": ("/prompt-payment", {})}


async def read_api(request: Request, token: str, measure: str, period: str, mechanism: str = "") -> dict[str, Any]:
    """Each section's API answer, or a sentence saying why it could not be read."""
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reporting", timeout=30.0,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        calls = _api_calls(measure, period, mechanism)

        async def one(path: str, params: dict[str, Any]) -> Any:
            try:
                answer = await client.get(path, params=params)
                out = answer.json() if answer.status_code == 200 else None
                # /spend's rows, a page of groups at a time (the missed visits' `recent` pages too: its first is enough)
                while out is not None and "rows" in out and answer.links.get("next"):
                    answer = await client.get(answer.links["next"]["url"])
                    if answer.status_code == 200:
                        out["rows"] += answer.json()["rows"]
                        out["totals"] = {k: v + answer.json()["totals"][k] for k, v in out["totals"].items()}
            except Exception as exc:  # noqa: BLE001 - one section failing must not blank the page
                return f"{path} failed: {exc.__class__.__name__}"
            if answer.status_code != 200:
                return f"{path} answered {answer.status_code}: {answer.text[:200]}"
            return out

        answers = await asyncio.gather(*(one(path, params) for path, params in calls.values()))
    return dict(zip(calls, answers))


def _view(measure: str, period: str) -> tuple[str, str]:
    return (measure if measure in MEASURES else "paid"), (period if period in PERIODS else "month")


def _signed_in(request: Request, visitor: auth.Visitor, location: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    auth.remember(request, response, visitor.token)
    return auth.protect(response)


def _refused(request: Request, visitor: auth.Visitor) -> Response:
    """The sign-in page with why (401: no token or one not accepted, with `WWW-Authenticate: Bearer`; 403)."""
    response = HTMLResponse(sign_in_page(visitor.problem, local_sign_in=auth.local_sign_in_enabled(),
                                         single_sign_on=auth.sso_issuer() is not None),
                            status_code=visitor.status,
                            headers={"WWW-Authenticate": "Bearer"} if visitor.status == 401 else None)
    auth.forget(response, request)
    return auth.protect(response)


@router.get("/", response_class=HTMLResponse, responses={**SIGNED_IN, **SIGN_IN_PAGE},
            summary="The operations dashboard (an HTML page for a browser)",
            description="Signed in by an officer or ops token in `Authorization`, the dashboard's cookie, or once "
                        "by `?token=` (answered 303 to the same view without it). `measure` (paid, invoiced, "
                        "delivered, committed) and `period` (month, week) choose the charts; another value shows "
                        "the default. `mechanism` is passed to /spend as it is.")
async def get_dashboard(request: Request, measure: Annotated[View, Query()] = "paid",
                        period: Annotated[View, Query()] = "month",
                        mechanism: Annotated[list[Filter] | None, Query(max_length=MAX_FILTER_VALUES)] = None,
                        token: Annotated[Token | None, Query()] = None) -> Response:
    measure, period = _view(measure, period)
    mechanisms = ",".join(m for m in mechanism or () if m)
    if token is not None:  # a sign-in link: keep the token in the cookie and take it out of the address
        visitor = await run_in_threadpool(auth.check, request, token, remember=True)
        if not visitor.principal:
            return _refused(request, visitor)
        return _signed_in(request, visitor, view_href(measure, period, mechanisms))
    visitor = await run_in_threadpool(auth.visitor, request)  # may read the identity provider's keys
    if not visitor.principal:
        return _refused(request, visitor)
    answers = await read_api(request, visitor.token, measure, period, mechanisms)
    page = dashboard_page(answers, measure=measure, period=period, mechanism=mechanisms, principal=visitor.principal,
                          local_sign_in=visitor.principal.subject == auth.LOCAL_SUBJECT)
    response = HTMLResponse(page)
    if visitor.remember:
        auth.remember(request, response, visitor.token)
    return auth.protect(response)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or (origin != "null" and urlsplit(origin).netloc == request.url.netloc)


# The forms are sent without a bearer token, so shared.idempotency (which keeps keys per caller) leaves them
# alone: signing in or out twice does no harm. A key sent is still checked as the document says.
RetryKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                        pattern=r"^[ -~]{1,200}$",
                                        description="Accepted for a retry; signing in or out again does no harm.")]


class SignInForm(BaseModel):
    """The dashboard's sign-in form."""

    token: PastedToken = Field(description="An officer or ops bearer token, as pasted.")


@router.post("/dashboard/sign-in", status_code=303, response_class=RedirectResponse,
             responses={**SIGNED_IN, **SIGN_IN_PAGE},
             summary="Sign in to the dashboard with a token pasted into its form")
async def sign_in_to_dashboard(request: Request, form: Annotated[SignInForm, Form()],
                               _key: RetryKey = None) -> Response:
    token = form.token
    if not _same_origin(request):
        return _refused(request, auth.Visitor(problem="Sign in from the dashboard's own page.", status=403))
    visitor = await run_in_threadpool(auth.check, request, token, remember=True)
    return _signed_in(request, visitor, "/") if visitor.principal else _refused(request, visitor)


@router.post("/dashboard/sign-out", response_class=HTMLResponse, responses={403: SIGN_IN_PAGE[403]},
             summary="Sign out of the dashboard: the cookie is dropped and the sign-in page shown")
async def sign_out_of_dashboard(request: Request, _key: RetryKey = None) -> Response:
    if not _same_origin(request):
        return _refused(request, auth.Visitor(problem="Sign out from the dashboard's own page.", status=403))
    response = HTMLResponse(sign_in_page("You are signed out.", local_sign_in=False,
                                         single_sign_on=auth.sso_issuer() is not None))
    auth.forget(response, request)
    return auth.protect(response)


@router.get("/dashboard/dashboard.css", response_class=FileResponse,
            responses={200: {"content": {"text/css": {"schema": {"type": "string"}}}}},
            summary="The dashboard's stylesheet")
async def get_dashboard_stylesheet() -> Response:
    return FileResponse(ASSETS / "dashboard.css", media_type="text/css",
                        headers={"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"})
