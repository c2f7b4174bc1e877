"""The local stack's sign-in (CAREPAY_LOCAL_SIGN_IN=1): only a browser on this machine that asked for a
loopback name, straight and not through a proxy, is signed in as ops. A page that rebinds its own name to
127.0.0.1 (Host: evil.example) or a request relayed by a local proxy gets the ordinary sign-in page."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.reporting.api import dashboard
from services.reporting.api.dashboard_auth import COOKIE, LOCAL_SUBJECT, visitor
from services.reporting.config import LOCAL_SIGN_IN_ENV

SECRET = "unit-test-secret"


async def _no_figures(request, token, measure, period, mechanism=""):
    return {section: "not read in this test" for section in dashboard._api_calls(measure, period, mechanism)}


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv(LOCAL_SIGN_IN_ENV, "1")
    monkeypatch.setattr(dashboard, "read_api", _no_figures)
    app = FastAPI()
    app.state.runtime = SimpleNamespace(settings=SimpleNamespace(auth_secret=SECRET))
    app.include_router(dashboard.router)

    @app.get("/who")
    def who(request: dashboard.Request):  # the decision alone, without drawing the page
        found = visitor(request)
        return {"subject": found.principal.subject if found.principal else None, "status": found.status}

    return app


def browser(app: FastAPI, *, peer: str = "127.0.0.1", url: str = "http://127.0.0.1:8007") -> TestClient:
    return TestClient(app, client=(peer, 50000), base_url=url)


def signed_in_locally(client: TestClient, **headers: str) -> bool:
    answer = client.get("/who", headers=headers)
    assert answer.status_code == 200
    return answer.json()["subject"] == LOCAL_SUBJECT


@pytest.mark.parametrize("url", ["http://127.0.0.1:8007", "http://127.0.0.1", "http://localhost:8007",
                                 "http://localhost", "http://127.0.1.2:8007"])
def test_a_loopback_host_with_or_without_a_port_is_signed_in_as_ops(app, url):
    client = browser(app, url=url)
    page = client.get("/")
    assert page.status_code == 200
    assert "the local stack&#x27;s sign-in (ops)" in page.text
    assert COOKIE in page.headers["set-cookie"]


@pytest.mark.parametrize("url", ["http://[::1]:8007", "http://[::1]"])
def test_ipv6_loopback_peer_and_host_are_signed_in(app, url):
    assert signed_in_locally(browser(app, peer="::1", url=url))


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8007", "127.0.0.1.evil.example:8007",
                                  "localhost.evil.example", "localhost.:8007", "0.0.0.0:8007", "10.0.0.5:8007",
                                  "[::2]:8007", "localhost:80x", ""])
def test_a_rebound_or_foreign_host_from_loopback_is_refused(app, host):
    client = browser(app)
    assert not signed_in_locally(client, host=host)
    page = client.get("/", headers={"host": host})
    assert page.status_code == 401
    assert "Sign in with an ops or officer token" in page.text
    assert f"{COOKIE}=\"\"" in page.headers["set-cookie"]  # the refusal sets no session, it clears one


def test_dns_rebinding_gets_the_sign_in_page_not_an_ops_session(app):
    page = browser(app, url="http://evil.example:8007").get("/")
    assert page.status_code == 401
    assert "local-sign-in" not in page.headers.get("set-cookie", "")


@pytest.mark.parametrize("header, value", [
    ("X-Forwarded-For", "127.0.0.1"), ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Host", "127.0.0.1:8007"),
    ("X-Real-IP", "127.0.0.1"), ("Forwarded", "for=127.0.0.1;host=127.0.0.1:8007"), ("Forwarded", "for=\"[::1]\""),
])
def test_a_request_through_a_proxy_is_not_signed_in_even_from_loopback(app, header, value):
    client = browser(app)
    assert not signed_in_locally(client, **{header: value})
    assert client.get("/", headers={header: value}).status_code == 401


def test_x_forwarded_for_from_loopback_is_refused(app):
    page = browser(app).get("/", headers={"X-Forwarded-For": "127.0.0.1"})
    assert page.status_code == 401
    assert "Sign in with an ops or officer token" in page.text


def test_a_peer_that_is_not_loopback_is_refused_even_asking_for_localhost(app):
    assert browser(app, peer="203.0.113.7", url="http://localhost:8007").get("/").status_code == 401


@pytest.mark.parametrize("value", [None, "0", "true", "yes", " 1", "1 ", ""])
def test_local_sign_in_is_off_unless_the_variable_is_exactly_1(app, monkeypatch, value):
    if value is None:
        monkeypatch.delenv(LOCAL_SIGN_IN_ENV, raising=False)
    else:
        monkeypatch.setenv(LOCAL_SIGN_IN_ENV, value)
    client = browser(app)
    assert not signed_in_locally(client)
    assert client.get("/").status_code == 401
