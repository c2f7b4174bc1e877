"""Who may open the dashboard, and how a browser carries their token.

A browser cannot send `Authorization: Bearer` on a plain page load, so the page takes the officer's
token once (pasted into the sign-in form, or `?token=` on a link) and keeps it in an HttpOnly,
SameSite=Strict cookie that only the dashboard's own routes read (the JSON API still needs the
header, so the cookie cannot be used against it). A `?token=` is answered with a redirect to the
same page without it, so it does not stay in the address bar, the history or a Referer; nothing
here logs a query string (the request log records the route's path template only).

Local stack only: with CAREPAY_LOCAL_SIGN_IN=1 (which `make run` sets, and nothing else does) a
browser on this machine with no token is signed in as `ops` by a token minted here. "On this machine"
takes all three: the peer is loopback (127.0.0.0/8 or ::1), the Host asked for is a loopback name
(localhost, 127.x.y.z or [::1], with or without a port: a page that rebinds its own name to 127.0.0.1
still sends its own name), and no proxy header is present (X-Forwarded-For, X-Forwarded-Host,
X-Forwarded-Proto, X-Real-IP, Forwarded: a proxy on this machine relays other people's requests from
loopback). Never set it where anyone but the developer can reach the service.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address, ip_network

from fastapi import Request
from fastapi.responses import Response

from shared.auth import OFFICER_ROLES, InvalidToken, Principal, local_mode, mint_token, verify_for
from shared.oidc import Issuer, oidc_settings
from services.reporting.config import local_sign_in_enabled

COOKIE = "carepay_dashboard"
COOKIE_SECONDS = 12 * 3600
LOCAL_SUBJECT = "local-sign-in"
# Their presence (whatever the value) means a proxy relayed the request, so it is not this machine's browser.
PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "forwarded")
_LOOPBACK_HOST = re.compile(r"(?:localhost|(?P<v4>127(?:\.[0-9]{1,3}){3})|\[(?P<v6>[0-9a-f:.]+)\])(?::[0-9]{1,5})?",
                            re.IGNORECASE)
_LOOPBACK_V4 = ip_network("127.0.0.0/8")


@dataclass(frozen=True)
class Visitor:
    """The dashboard's caller: signed in (principal and the token to read the API with) or why not."""

    principal: Principal | None = None
    token: str = ""
    problem: str = ""
    status: int = 200
    remember: bool = False  # the token came from the form, a link or local sign-in: set the cookie


def sso_issuer() -> Issuer | None:
    """The identity provider the dashboard signs in with (dashboard_sso), when CAREPAY_OIDC_ISSUER and
    CAREPAY_OIDC_CLIENT_ID are set."""
    settings = oidc_settings()
    return settings.issuer_client() if settings.enabled and settings.client_id else None


def _loopback_peer(request: Request) -> bool:
    try:
        return request.client is not None and ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def _loopback_host(request: Request) -> bool:
    """The one Host header names this machine: localhost, 127.x.y.z or [::1], with or without a port."""
    hosts = request.headers.getlist("host")
    found = _LOOPBACK_HOST.fullmatch(hosts[0]) if len(hosts) == 1 else None
    if found is None:
        return False
    try:
        if found["v4"]:
            return ip_address(found["v4"]) in _LOOPBACK_V4
        if found["v6"]:
            return ip_address(found["v6"]) == IPv6Address("::1")
    except ValueError:
        return False
    return True


def _from_this_machine(request: Request) -> bool:
    """A browser on this machine asking for this machine by name, not a request relayed by a proxy."""
    return (_loopback_peer(request) and _loopback_host(request)
            and not any(name in request.headers for name in PROXY_HEADERS))


def check(request: Request, token: str, *, remember: bool) -> Visitor:
    """The visitor that `token` makes: an officer, or 401 (not a valid token) or 403 (not an officer)."""
    try:
        principal = verify_for(request.app.state.runtime.settings, token.strip())
    except InvalidToken as exc:
        again = ("Sign in again." if oidc_settings().enabled else
                 "Mint a new one with `carepay token --role ops`.")
        return Visitor(problem=f"That token was not accepted ({exc}). {again}", status=401)
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
        settings = request.app.state.runtime.settings
        token = mint_token(settings.auth_secret, subject=LOCAL_SUBJECT, role="ops",
                           ttl_seconds=min(COOKIE_SECONDS, getattr(settings, "auth_max_ttl_s", COOKIE_SECONDS)),
                           issuer=getattr(settings, "auth_issuer", None),
                           audience=getattr(settings, "auth_audience", None),
                           max_ttl_seconds=getattr(settings, "auth_max_ttl_s", None))
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


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure (sent over https only) outside local mode, and on the local stack when asked over https."""
    return (not local_mode(request.app.state.runtime.settings) or request.url.scheme == "https"
            or request.headers.get("x-forwarded-proto") == "https")


def remember(request: Request, response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=COOKIE_SECONDS, path="/", httponly=True, samesite="strict",
                        secure=secure_cookies(request))


def forget(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=secure_cookies(request))


def same_secret(given: str, kept: str) -> bool:
    """`given` is `kept` (compared in constant time)."""
    return hmac.compare_digest(given.encode(), kept.encode())
