"""HTTP: the dashboard page at `/` for people (operations teams and officers), and its stylesheet.

The page is drawn on the server from the reporting API's own answers, read in-process with the
visitor's token, so it shows exactly what the API says and needs no script. Who may see it, and how
the token travels, is in dashboard_auth.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from shared.bounds import MAX_FILTER_VALUES, Filter
from shared.clock import week_start
from services.reporting.api import dashboard_auth as auth
from services.reporting.api.common import today
from services.reporting.api.dashboard_charts import MEASURES, view_href
from services.reporting.api.dashboard_page import dashboard_page, sign_in_page

router = APIRouter(include_in_schema=False)
ASSETS = Path(__file__).parent / "dashboard"
PERIODS = ("month", "week")
WEEKS_SHOWN = 13
MISSED_DAYS = 14


def _api_calls(measure: str, period: str, mechanism: str = "") -> dict[str, tuple[str, dict[str, Any]]]:
    spend: dict[str, Any] = {"period": period}
    if period == "week":  # a quarter of weeks; months use the API's default of the last twelve
        spend["from"] = (week_start(today()) - timedelta(weeks=WEEKS_SHOWN - 1)).isoformat()
    if mechanism:  # the API checks it: an unknown one is its 422, shown in the spend section
        spend["mechanism"] = mechanism
    return {"pipeline": ("/pipeline", {}),
            "missed": ("/visits/missed", {"days": MISSED_DAYS, "limit": 10}),
            "queries": ("/queries/open", {}),
            "by_service": ("/spend", {**spend, "group_by": "service_type"}),
            "by_provider": ("/spend", {**spend, "group_by": "provider"}),
            "by_mechanism": ("/spend", {**spend, "group_by": "mechanism"}),
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
            except Exception as exc:  # noqa: BLE001 - one section failing must not blank the page
                return f"{path} failed: {exc.__class__.__name__}"
            if answer.status_code != 200:
                return f"{path} answered {answer.status_code}: {answer.text[:200]}"
            return answer.json()

        answers = await asyncio.gather(*(one(path, params) for path, params in calls.values()))
    return dict(zip(calls, answers))


def _view(measure: str, period: str) -> tuple[str, str]:
    return (measure if measure in MEASURES else "paid"), (period if period in PERIODS else "month")


def _signed_in(request: Request, visitor: auth.Visitor, location: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    auth.remember(request, response, visitor.token)
    return auth.protect(response)


def _refused(visitor: auth.Visitor) -> Response:
    response = HTMLResponse(sign_in_page(visitor.problem, local_sign_in=auth.local_sign_in_enabled()),
                            status_code=visitor.status)
    auth.forget(response)
    return auth.protect(response)


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, measure: str = "paid", period: str = "month",
                    mechanism: Annotated[list[Filter] | None, Query(max_length=MAX_FILTER_VALUES)] = None,
                    token: str | None = None) -> Response:
    measure, period = _view(measure, period)
    mechanisms = ",".join(m for m in mechanism or () if m)
    if token is not None:  # a sign-in link: keep the token in the cookie and take it out of the address
        visitor = auth.check(request, token, remember=True)
        if not visitor.principal:
            return _refused(visitor)
        return _signed_in(request, visitor, view_href(measure, period, mechanisms))
    visitor = auth.visitor(request)
    if not visitor.principal:
        return _refused(visitor)
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


@router.post("/dashboard/sign-in")
async def sign_in(request: Request, token: Annotated[str, Form(max_length=16_384)]) -> Response:  # a bearer token
    if not _same_origin(request):
        return _refused(auth.Visitor(problem="Sign in from the dashboard's own page.", status=403))
    visitor = auth.check(request, token, remember=True)
    return _signed_in(request, visitor, "/") if visitor.principal else _refused(visitor)


@router.post("/dashboard/sign-out")
async def sign_out(request: Request) -> Response:
    if not _same_origin(request):
        return auth.protect(Response(status_code=403))
    response = HTMLResponse(sign_in_page("You are signed out.", local_sign_in=False))
    auth.forget(response)
    return auth.protect(response)


@router.get("/dashboard/dashboard.css")
async def stylesheet() -> Response:
    return FileResponse(ASSETS / "dashboard.css", media_type="text/css",
                        headers={"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"})
