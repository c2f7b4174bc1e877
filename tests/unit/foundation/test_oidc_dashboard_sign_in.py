"""The dashboard signs in with the council's identity provider: authorization code with PKCE, end to end
against the tests' own issuer (real HTTP), in production mode: /dashboard/sign-in -> the issuer's
authorize -> the code -> /dashboard/callback (the code exchanged with its verifier, the ID token's nonce
checked) -> the session cookie -> the dashboard page, which needs an officer or ops."""
from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from services.reporting.api import dashboard
from services.reporting.api.dashboard_auth import COOKIE
from services.reporting.api.dashboard_sso import SIGN_IN_COOKIE
from tests.unit.foundation.oidc_issuer import CLIENT_ID, CLIENT_SECRET, s256

SITE = "https://reporting.council.example"
REDIRECT = f"{SITE}/dashboard/callback"


@pytest.fixture
def sso(oidc, oidc_issuer, monkeypatch):
    """Single sign-on set up for the reporting dashboard, in production mode; the browser is a TestClient."""
    oidc(ENV="production", OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_REDIRECT_URL=REDIRECT)
    oidc_issuer.redirect_uri = REDIRECT
    oidc_issuer.next_user = {"sub": "alice", "roles": ["Carepay.Ops"]}
    oidc_issuer.exchanges.clear()
    read = []

    async def figures(request, token, measure, period, mechanism=""):  # the sections, without a database
        read.append(token)
        return {section: "not read in this test" for section in dashboard._api_calls(measure, period, mechanism)}

    monkeypatch.setattr(dashboard, "read_api", figures)
    from services.reporting.app import app

    browser = TestClient(app, base_url=SITE, follow_redirects=False, raise_server_exceptions=False)
    browser.figures_read_with = read
    return browser


def set_cookie(answer: httpx.Response, name: str) -> tuple[str, dict[str, str]] | None:
    """A cookie the answer sets: its value and attributes (lower-cased names); None when it sets none of that name."""
    for header in answer.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            morsel = jar[name]
            return morsel.value, {k: str(v) for k, v in morsel.items() if v}
    return None


def cookie(answer: httpx.Response, name: str) -> tuple[str, dict[str, str]]:
    found = set_cookie(answer, name)
    assert found is not None, f"{name} not set: {answer.headers.get_list('set-cookie')}"
    return found


def no_session(answer: httpx.Response) -> bool:
    """The answer signs nobody in: it sets no session cookie, or clears it."""
    found = set_cookie(answer, COOKIE)
    return found is None or found[0] == ""


def start(browser: TestClient) -> tuple[str, dict[str, list[str]], httpx.Response]:
    """GET /dashboard/sign-in: the issuer's authorize URL it sends the browser to, that URL's query, the answer."""
    answer = browser.get("/dashboard/sign-in")
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    return location, parse_qs(urlsplit(location).query), answer


def authorize(location: str) -> str:
    """The browser at the issuer: it signs the user in and sends back to the callback; the callback's path+query."""
    answer = httpx.get(location, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    return f"{back.path}?{back.query}"


def test_sign_in_with_code_and_pkce_to_a_dashboard_page_that_needs_ops(sso, oidc_issuer):
    location, query, answer = start(sso)
    assert location.startswith(f"{oidc_issuer.url}/authorize?")
    assert {k: v[0] for k, v in query.items() if k in ("response_type", "client_id", "redirect_uri",
                                                      "code_challenge_method")} == {
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "code_challenge_method": "S256"}
    assert "openid" in query["scope"][0].split() and query["state"][0] and query["nonce"][0]
    kept, attributes = cookie(answer, SIGN_IN_COOKIE)
    assert kept.split(".")[:2] == [query["state"][0], query["nonce"][0]]
    assert attributes["httponly"] and attributes["secure"] and attributes["samesite"].lower() == "lax"
    assert attributes["path"] == "/dashboard/callback"

    signed_in = sso.get(authorize(location))
    assert signed_in.status_code == 200, signed_in.text
    assert '<meta http-equiv="refresh" content="0;url=/">' in signed_in.text
    token, session = cookie(signed_in, COOKIE)
    assert session["httponly"] and session["secure"] and session["samesite"].lower() == "strict"
    assert cookie(signed_in, SIGN_IN_COOKIE)[0] == ""  # the sign-in's state is used up
    # The code was exchanged once, with the verifier whose S256 challenge the authorize request carried.
    assert [s256(e["code_verifier"]) for e in oidc_issuer.exchanges] == query["code_challenge"]

    page = sso.get("/")
    assert page.status_code == 200, page.text
    assert "Signed in as alice (ops)" in page.text
    assert sso.figures_read_with == [token.strip('"')]  # the API is read with the issuer's access token


def test_a_person_signed_in_by_the_issuer_is_not_let_into_the_dashboard(sso, oidc_issuer):
    oidc_issuer.next_user = {"sub": "pat", "roles": "Carepay.Person", "person_ref": "P-0001"}
    location, _, _ = start(sso)
    answer = sso.get(authorize(location))
    assert answer.status_code == 403
    assert "A person token cannot open the operations dashboard" in answer.text
    assert no_session(answer)


def _tamper(browser: TestClient, part: int) -> None:
    """Change one of the sign-in cookie's state, nonce or verifier, as a forged cookie would."""
    value = browser.cookies.get(SIGN_IN_COOKIE, path="/dashboard/callback")
    pieces = value.split(".")
    pieces[part] = "x" * len(pieces[part])
    browser.cookies.set(SIGN_IN_COOKIE, ".".join(pieces), domain="reporting.council.example",
                        path="/dashboard/callback")


@pytest.mark.parametrize("part,reason", [
    (0, "This sign-in expired or was not started here"),
    (1, "ID token nonce is not this sign-in&#x27;s"),
    (2, "the token endpoint refused the code: invalid_grant"),
], ids=["state", "nonce", "pkce-verifier"])
def test_a_callback_whose_state_nonce_or_verifier_is_not_the_sign_ins_is_refused(sso, oidc_issuer, part, reason):
    location, _, _ = start(sso)
    _tamper(sso, part)
    answer = sso.get(authorize(location))
    assert answer.status_code == 401
    assert reason in answer.text
    assert no_session(answer) or cookie(answer, COOKIE)[0] == ""


def test_a_callback_replayed_without_its_sign_in_is_refused(sso):
    location, _, _ = start(sso)
    back = authorize(location)
    assert sso.get(back).status_code == 200
    sso.cookies.clear()
    again = sso.get(back)
    assert again.status_code == 401 and "This sign-in expired or was not started here" in again.text


def test_the_identity_providers_refusal_is_shown(sso):
    _, query, _ = start(sso)
    answer = sso.get("/dashboard/callback", params={"error": "access_denied", "state": query["state"][0]})
    assert answer.status_code == 401 and "The identity provider did not sign you in (access_denied)" in answer.text


def test_without_single_sign_on_the_routes_are_404_and_the_page_offers_only_the_token_form(oidc, monkeypatch):
    oidc(OIDC_ISSUER="")
    from services.reporting.app import app

    browser = TestClient(app, follow_redirects=False)
    assert browser.get("/dashboard/sign-in").status_code == 404
    assert browser.get("/dashboard/callback", params={"code": "c", "state": "s"}).status_code == 404
    page = browser.get("/")
    assert page.status_code == 401 and "Sign in with your council account" not in page.text


def test_with_single_sign_on_the_sign_in_page_offers_it(sso):
    page = sso.get("/")
    assert page.status_code == 401 and 'href="/dashboard/sign-in">Sign in with your council account' in page.text


def test_on_the_local_stack_the_callback_is_this_services_own_and_cookies_follow_the_scheme(oidc, oidc_issuer):
    oidc(OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    from services.reporting.app import app

    _, query, answer = start(TestClient(app, base_url="http://127.0.0.1:8007", follow_redirects=False))
    assert query["redirect_uri"] == ["http://127.0.0.1:8007/dashboard/callback"]
    assert "secure" not in cookie(answer, SIGN_IN_COOKIE)[1]
