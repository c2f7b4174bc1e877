"""The dashboard's HTML pages: the signed-in page around its sections, and the sign-in page."""
from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from shared.auth import Principal
from services.reporting.api.dashboard_charts import payments_section, spend_section, view_href
from services.reporting.api.dashboard_operations import missed_section, pipeline_section, queries_section


def _head(title: str, extra: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/dashboard/dashboard.css">{extra}</head>')


def _section(key: str, heading: str, answer: Any, draw: Callable[[], str]) -> str:
    """One section; when its API answer is missing it says why, and the other sections still show."""
    if isinstance(answer, str):
        body = f'<p class="problem" role="alert">Could not read these figures: {escape(answer)}</p>'
    else:
        body = draw()
    return f'<section id="{key}" aria-labelledby="{key}-h"><h2 id="{key}-h">{escape(heading)}</h2>{body}</section>'


def dashboard_page(answers: dict[str, Any], *, measure: str, period: str, principal: Principal,
                   local_sign_in: bool, mechanism: str = "") -> str:
    a = answers
    spend = [a["by_service"], a["by_provider"], a["by_mechanism"]]
    sections = [
        _section("pipeline", "Pipeline health", a["pipeline"], lambda: pipeline_section(a["pipeline"])),
        _section("missed", "Missed visits", a["missed"], lambda: missed_section(a["missed"])),
        _section("queries", "Open queries by SLA state", a["queries"], lambda: queries_section(a["queries"])),
        _section("spend", "Spend", next((s for s in spend if isinstance(s, str)), spend[0]),
                 lambda: spend_section(*spend, measure, period, mechanism)),
        _section("payments", "Payment timeliness", a["prompt"], lambda: payments_section(a["prompt"])),
    ]
    who = "the local stack's sign-in (ops)" if local_sign_in else f"{principal.subject} ({principal.role})"
    nav = "".join(f'<a href="#{k}">{t}</a>' for k, t in (("pipeline", "Pipeline"), ("missed", "Missed visits"),
                                                        ("queries", "Queries"), ("spend", "Spend"),
                                                        ("payments", "Payments")))
    return (_head("Carepay dashboard") + '<body><a class="skip" href="#main">Skip to the figures</a>'
            f'<header><h1>Carepay dashboard</h1><nav aria-label="Sections">{nav}</nav>'
            f'<form method="post" action="/dashboard/sign-out"><span>Signed in as {escape(who)}</span> '
            f'<a href="{escape(view_href(measure, period, mechanism))}">Refresh</a> '
            '<button type="submit">Sign out</button></form></header>'
            f'<main id="main">{"".join(sections)}</main>'
            '<footer>Figures from the reporting read models and each service\'s /ready and /metrics. '
            'Money is shown in pounds from whole pence.</footer></body></html>')


def sign_in_page(problem: str, *, local_sign_in: bool, single_sign_on: bool = False) -> str:
    """The sign-in page: why, the council's sign-in when single sign-on is set up, and the form for a token."""
    hint = ("" if not local_sign_in else
            "<p>This local stack signs browsers on this machine in by itself; a rejected token was replaced.</p>")
    sso = ('<p><a class="sso" href="/dashboard/sign-in">Sign in with your council account</a></p>'
           '<p class="note">Or paste a token:</p>' if single_sign_on else "")
    return (_head("Sign in: Carepay dashboard") + '<body><main id="main" class="sign-in">'
            '<h1>Carepay dashboard</h1>'
            f'<p class="problem" role="alert">{escape(problem)}</p>{hint}{sso}'
            '<form method="post" action="/dashboard/sign-in"><label for="token">Ops or officer token</label>'
            '<input id="token" name="token" type="password" autocomplete="off" required>'
            '<button type="submit">Sign in</button></form>'
            '<p class="note">On the local stack, <code>.venv/bin/carepay token --role ops</code> prints one. '
            'The token is kept in a cookie only this page reads, for up to 12 hours.</p></main></body></html>')


def signed_in_page(location: str) -> str:
    """Signed in by the identity provider: a page that moves on to `location` at once. A page, not a redirect,
    so that the browser sends the SameSite=Strict session cookie with the next request (a redirect still counts
    as part of the identity provider's cross-site navigation)."""
    where = escape(location)
    return (_head("Signed in: Carepay dashboard", f'<meta http-equiv="refresh" content="0;url={where}">')
            + f'<body><main id="main" class="sign-in"><h1>Carepay dashboard</h1><p>Signed in. '
              f'<a href="{where}">Continue to the dashboard</a>.</p></main></body></html>')
