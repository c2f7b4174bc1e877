"""Who may open the dashboard, and how a browser carries their token.

A browser cannot send `Authorization: Bearer` on a plain page load, so the page takes the officer's
token once (pasted into the sign-in form, or `?token=` on a link) and keeps it in an HttpOnly,
SameSite=Strict cookie that only the dashboard's own routes read (the JSON API still needs the
header, so the cookie cannot be used against it). A `?token=` is answered with a redirect to the
same page without it, so it does not stay in the address bar, the history or a Referer; nothing
here logs a query string (the request log records the route's path template only).

Local stack only: with CAREPAY_LOCAL_SIGN_IN=1 (which `make run` sets, and nothing else does) a
browser on this machine with no token is signed in as `ops` by a token minted here. Never set it
where anyone but the developer can reach the service.
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address

from fastapi import Request
from fastapi.responses import Response

from shared.auth import OFFICER_ROLES, InvalidToken, Principal, mint_token, verify_token
from services.reporting.config import local_sign_in_enabled

COOKIE = "carepay_dashboard"
COOKIE_SECONDS = 12 * 3600
LOCAL_SUBJECT = "local-sign-in"


@dataclass(frozen=True)
class Visitor:
    """The dashboard's caller: signed in (principal and the token to read the API with) or why not."""

    principal: Principal | None = None
    token: str = ""
    problem: str = ""
    status: int = 200
    remember: bool = False  # the token came from the form, a link or local sign-in: set the cookie


def _from_this_machine(request: Request) -> bool:
    try:
        return request.client is not None and ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def check(request: Request, token: str, *, remember: bool) -> Visitor:
    """The visitor that `token` makes: an officer, or 401 (not a valid token) or 403 (not an officer)."""
    try:
        principal = verify_token(request.app.state.runtime.settings.auth_secret, token.strip())
    except InvalidToken as exc:
        return Visitor(problem=f"That token was not accepted ({exc}). Mint a new one with "
                               "`carepay token --role ops`.", status=401)
    if principal.role not in OFFICER_ROLES:
        return Visitor(problem=f"A {principal.role} token cannot open the operations dashboard: sign in with an "
                               "ops or officer token.", status=403)
    return Visitor(principal=principal, token=token.strip(), remember=remember)


def visitor(request: Request) -> Visitor:
    """From the Authorization header, else the cookie, else (local stack only) a local sign-in."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return check(request, token, remember=False)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        found = check(request, cookie, remember=False)
        if found.principal or not local_sign_in_enabled():
            return found
    if local_sign_in_enabled() and _from_this_machine(request):
        token = mint_token(request.app.state.runtime.settings.auth_secret, subject=LOCAL_SUBJECT, role="ops",
                           ttl_seconds=COOKIE_SECONDS)
        return check(request, token, remember=True)
    return Visitor(problem="Sign in with an ops or officer token to see the dashboard.", status=401)


def protect(response: Response) -> Response:
    """Headers every dashboard answer carries: never cached or framed, no Referer, only our own assets."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    return response


def remember(request: Request, response: Response, token: str) -> None:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(COOKIE, token, max_age=COOKIE_SECONDS, path="/", httponly=True, samesite="strict",
                        secure=secure)


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
