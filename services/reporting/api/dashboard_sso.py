"""HTTP: the dashboard's single sign-on, OpenID Connect authorization code with PKCE (Authlib's OAuth 2 client).

On when CAREPAY_OIDC_ISSUER and CAREPAY_OIDC_CLIENT_ID are set (shared.oidc); otherwise both routes answer 404.

- `GET /dashboard/sign-in` sends the browser (303) to the issuer's authorization endpoint (from its discovery
  document) with a fresh `state`, `nonce` and S256 `code_challenge`, scope CAREPAY_OIDC_SCOPES and
  redirect_uri CAREPAY_OIDC_REDIRECT_URL (in local mode, when unset, this service's own /dashboard/callback).
  The three values are kept in a sign-in cookie (HttpOnly, SameSite=Lax so that it returns with the
  issuer's redirect, Secure outside local mode, only /dashboard/callback, ten minutes).
- `GET /dashboard/callback` takes the issuer's answer: its `state` must be the sign-in cookie's; the code is
  exchanged at the token endpoint with the code_verifier (and the client secret, when set); the ID token must
  be the issuer's, for CAREPAY_OIDC_CLIENT_ID, carrying the sign-in's nonce; the access token must be one the
  API takes (shared.auth.verify_for) for an officer or ops. Then the access token becomes the dashboard's
  session exactly as a pasted token does (dashboard_auth.remember) and a page moves the browser on to `/`
  (a page, not a redirect, so that the browser sends the SameSite=Strict session cookie with it).
Anything wrong shows the sign-in page saying what (401; 403 for a token that is not an officer's; 503 when the
issuer cannot be reached). Nothing here logs or shows a code, a token or the state.
"""
from __future__ import annotations

import warnings
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.auth import InvalidToken, IssuerUnavailable, local_mode
from shared.bounds import text
from shared.oidc import Issuer, oidc_settings, tls_context
from services.reporting.api import dashboard_auth as auth
from services.reporting.api.dashboard_page import sign_in_page, signed_in_page

from authlib.deprecate import AuthlibDeprecationWarning

# Authlib 1.9 warns that it prefers the httpx2 package; Carepay's httpx (0.28) is one it still supports.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

router = APIRouter(tags=["dashboard"])
SIGN_IN_COOKIE = "carepay_dashboard_sign_in"
CALLBACK = "/dashboard/callback"
SIGN_IN_SECONDS = 600
MAX_PARAM_CHARS = 4096  # a code or state as issuers make them, with room to spare
HTML = {"text/html": {"schema": {"type": "string"}}}
PAGE = {"content": HTML}
REFUSED = {401: {"description": "The sign-in failed (expired, from elsewhere, refused by the identity provider, "
                                "or a token not accepted): the sign-in page, saying why", **PAGE},
           403: {"description": "Signed in, but not as an officer or ops: the sign-in page", **PAGE},
           404: {"description": "Single sign-on is not set up here (CAREPAY_OIDC_ISSUER, CAREPAY_OIDC_CLIENT_ID)",
                 **PAGE},
           503: {"description": "The identity provider cannot be reached: the sign-in page", **PAGE}}


def _page(problem: str, status: int) -> Response:
    response = HTMLResponse(sign_in_page(problem, local_sign_in=auth.local_sign_in_enabled(),
                                         single_sign_on=auth.sso_issuer() is not None), status_code=status)
    return auth.protect(response)


def _not_set_up() -> Response:
    return _page("Single sign-on is not set up for this dashboard (CAREPAY_OIDC_ISSUER and CAREPAY_OIDC_CLIENT_ID).",
                 404)


def _redirect_url(request: Request) -> str:
    return oidc_settings().redirect_url or str(request.url_for("finish_dashboard_sign_in"))


def _client(issuer: Issuer, request: Request) -> AsyncOAuth2Client:
    secret = issuer.settings.client_secret
    return AsyncOAuth2Client(client_id=issuer.settings.client_id, client_secret=secret.get_secret_value() if secret
                             else None, scope=issuer.settings.scopes, redirect_uri=_redirect_url(request),
                             code_challenge_method="S256", timeout=10.0, verify=tls_context())


def _secure(request: Request) -> bool:
    return not local_mode(request.app.state.runtime.settings) or request.url.scheme == "https"


@router.get("/dashboard/sign-in", status_code=303, response_class=RedirectResponse,
            responses={303: {"description": "On to the identity provider's sign-in (the state, nonce and PKCE "
                                            "verifier kept in an HttpOnly cookie)",
                             "headers": {"Location": {"schema": {"type": "string"}},
                                         "Set-Cookie": {"schema": {"type": "string"}}}},
                       404: REFUSED[404], 503: REFUSED[503]},
            summary="Sign in to the dashboard with the council's identity provider (OIDC, code and PKCE)")
async def start_dashboard_sign_in(request: Request) -> Response:
    issuer = auth.sso_issuer()
    if issuer is None:
        return _not_set_up()
    try:
        endpoint = (await run_in_threadpool(issuer.metadata)).get("authorization_endpoint")
    except IssuerUnavailable as exc:
        return _page(f"The identity provider cannot be reached ({exc}). Try again shortly.", 503)
    if not isinstance(endpoint, str) or not endpoint:
        return _page("The identity provider's discovery document names no authorization endpoint.", 503)
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    async with _client(issuer, request) as client:
        location, _ = client.create_authorization_url(endpoint, state=state, code_verifier=verifier, nonce=nonce)
    response = RedirectResponse(location, status_code=303)
    response.set_cookie(SIGN_IN_COOKIE, f"{state}.{nonce}.{verifier}", max_age=SIGN_IN_SECONDS, path=CALLBACK,
                        httponly=True, samesite="lax", secure=_secure(request))
    return auth.protect(response)


Param = Annotated[text(MAX_PARAM_CHARS) | None, Query()]


@router.get(CALLBACK, response_class=HTMLResponse,
            responses={200: {"description": "Signed in: the session cookie is set and a page moves on to the "
                                            "dashboard", "content": HTML,
                             "headers": {"Set-Cookie": {"schema": {"type": "string"}}}}, **REFUSED},
            summary="The identity provider's answer to a dashboard sign-in: the code exchanged, the session set")
async def finish_dashboard_sign_in(request: Request, code: Param = None, state: Param = None, error: Param = None
                                   ) -> Response:
    issuer = auth.sso_issuer()
    if issuer is None:
        return _not_set_up()
    kept = request.cookies.get(SIGN_IN_COOKIE, "").split(".")
    if len(kept) != 3 or not state or not auth.same_secret(state, kept[0]):
        return _finished(request, _page("This sign-in expired or was not started here: sign in again.", 401))
    if error or not code:
        reason = f" ({error[:60]})" if error and error.replace("_", "").isalnum() else ""
        return _finished(request, _page(f"The identity provider did not sign you in{reason}.", 401))
    _, nonce, verifier = kept
    try:
        tokens = await _exchange(issuer, request, code, verifier)
        await run_in_threadpool(issuer.id_token_claims, str(tokens.get("id_token") or ""), nonce)
    except IssuerUnavailable as exc:
        return _finished(request, _page(f"The identity provider cannot be reached ({exc}). Try again shortly.", 503))
    except InvalidToken as exc:
        return _finished(request, _page(f"The identity provider's answer was not accepted ({exc}).", 401))
    visitor = await run_in_threadpool(auth.check, request, str(tokens.get("access_token") or ""), remember=True)
    if not visitor.principal:
        return _finished(request, _page(visitor.problem, visitor.status))
    response = auth.protect(HTMLResponse(signed_in_page("/")))
    auth.remember(request, response, visitor.token)
    return _finished(request, response)


async def _exchange(issuer: Issuer, request: Request, code: str, verifier: str) -> dict[str, Any]:
    """The token endpoint's answer to the code and its PKCE verifier (InvalidToken / IssuerUnavailable otherwise)."""
    endpoint = (await run_in_threadpool(issuer.metadata)).get("token_endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise IssuerUnavailable("the discovery document names no token endpoint")
    try:
        async with _client(issuer, request) as client:
            return dict(await client.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                                 code_verifier=verifier, redirect_uri=_redirect_url(request)))
    except OAuthError as exc:
        raise InvalidToken(f"the token endpoint refused the code: {str(exc.error)[:60]}") from exc
    except (httpx.HTTPError, ValueError) as exc:  # unreachable, a server error, or an answer that is not JSON
        raise IssuerUnavailable(f"the token endpoint could not be reached ({type(exc).__name__})") from exc


def _finished(request: Request, response: Response) -> Response:
    """Whatever came of it, this sign-in's cookie is used up."""
    response.delete_cookie(SIGN_IN_COOKIE, path=CALLBACK, httponly=True, samesite="lax", secure=_secure(request))
    return response
