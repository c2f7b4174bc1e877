"""The dashboard page without a stack: who gets in (tokens, the sign-in link, the local stack's sign-in),
and what it draws from the API's answers."""
from __future__ import annotations

from types import SimpleNamespace

import lxml.html
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from shared.auth import mint_token
from services.reporting.api import dashboard
from services.reporting.api.dashboard_auth import COOKIE
from services.reporting.config import LOCAL_SIGN_IN_ENV

SECRET = "unit-test-secret"
ANSWERS = {
    "pipeline": {"checked_at": "2026-11-28T09:00:00Z", "all_ready": False, "services": [
        {"service": "requests", "url": "", "ready": True, "reason": "ok", "outbox_backlog": 0,
         "outbox_oldest_age_seconds": 0.0, "dlq_messages": 0, "consumer_lag": [{"consumer": "requests.x", "lag": 0}]},
        {"service": "delivery", "url": "", "ready": False, "reason": "kafka unreachable", "outbox_backlog": 12,
         "outbox_oldest_age_seconds": 40.0, "dlq_messages": 2, "consumer_lag": [{"consumer": "delivery.ecm",
                                                                                 "lag": 1500}]}]},
    "missed": {"from": "2026-11-15", "to": "2026-11-28", "missed": 1, "by_day": [{"day": "2026-11-27", "missed": 1}],
               "by_provider": [{"provider_id": "PRV-1", "provider_name": "Acorn Care", "missed": 1}],
               "recent": [{"visit_key": "AGR-1/2026-11-27/18:00", "local_date": "2026-11-27", "carers": 2,
                           "person_ref": "P-1", "provider_id": "PRV-1", "provider_name": "Acorn Care"}]},
    "queries": {"as_of": "2026-11-28", "open": 3, "by_category": [
        {"category": "late_payment", "open": 3, "on_track": 1, "due_today": 0, "overdue": 1, "breached": 1}],
        "rows": [], "breaches": [{"month": "2026-11-01", "category": "late_payment", "sla": "acknowledge",
                                  "breaches": 1}], "breaches_from": "2026-10-01", "breaches_to": "2026-11-30"},
    "by_service": "/spend answered 503: database not ready",
    "by_provider": "/spend answered 503: database not ready",
    "by_mechanism": "/spend answered 503: database not ready",
    "prompt": {"from": "2026-10-01", "to": "2026-11-30", "as_of": "2026-11-28",
               "overall": {"invoices_paid": 4, "value_paid_pence": 123456, "average_days_to_pay": 12.5,
                           "paid_within_30_days": 3, "paid_within_30_days_pct": 75.0},
               "by_provider": [], "awaiting_payment": [],
               "by_provider_month": [{"month": "2026-11-01", "provider_id": "PRV-1", "invoices_paid": 4,
                                      "paid_within_30_days": 3}]},
}


@pytest.fixture
def client(monkeypatch):
    monkeypatch.delenv(LOCAL_SIGN_IN_ENV, raising=False)

    async def canned(request, token, measure, period, mechanism=""):
        return ANSWERS

    monkeypatch.setattr(dashboard, "read_api", canned)
    app = FastAPI()
    app.state.runtime = SimpleNamespace(settings=SimpleNamespace(auth_secret=SECRET))
    app.include_router(dashboard.router)
    return TestClient(app, client=("127.0.0.1", 50000))


def ops_token() -> str:
    return mint_token(SECRET, subject="ops-1", role="ops")


def test_without_a_token_the_page_asks_to_sign_in_and_sets_no_cookie(client):
    page = client.get("/")
    assert page.status_code == 401
    assert "Sign in with an ops or officer token" in page.text
    assert COOKIE not in client.cookies


def test_local_sign_in_lets_this_machine_in_as_ops_only_when_the_stack_asks_for_it(client, monkeypatch):
    monkeypatch.setenv(LOCAL_SIGN_IN_ENV, "1")
    assert client.get("/").status_code == 401  # Host: testserver is not this machine's name (DNS rebinding)
    local = TestClient(client.app, client=("127.0.0.1", 50000), base_url="http://127.0.0.1:8007")
    page = local.get("/")
    assert page.status_code == 200
    assert "the local stack&#x27;s sign-in (ops)" in page.text
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=strict" in page.headers["set-cookie"]
    elsewhere = TestClient(client.app, client=("203.0.113.7", 50000), base_url="http://127.0.0.1:8007")
    assert elsewhere.get("/").status_code == 401


def test_local_sign_in_is_off_unless_set_to_one(client, monkeypatch):
    monkeypatch.setenv(LOCAL_SIGN_IN_ENV, "true")
    assert client.get("/").status_code == 401


def test_a_sign_in_link_redirects_to_the_page_without_the_token(client):
    token = ops_token()
    link = client.get("/", params={"token": token, "period": "week", "measure": "<x>"}, follow_redirects=False)
    assert link.status_code == 303
    assert link.headers["location"] == "/?measure=paid&period=week"
    assert token not in link.headers["location"]
    assert client.get(link.headers["location"]).status_code == 200  # the cookie carries it now


def test_an_officer_token_in_the_header_opens_the_page_and_a_person_token_does_not(client):
    assert client.get("/", headers={"Authorization": f"Bearer {ops_token()}"}).status_code == 200
    person = mint_token(SECRET, subject="p", role="person", person_ref="P-1")
    refused = client.get("/", headers={"Authorization": f"Bearer {person}"})
    assert refused.status_code == 403 and "A person token cannot open" in refused.text


def test_the_sign_in_form_must_be_posted_from_the_page_itself(client):
    token = ops_token()
    assert client.post("/dashboard/sign-in", data={"token": token}, headers={"Origin": "http://evil.example"},
                       follow_redirects=False).status_code == 403
    ok = client.post("/dashboard/sign-in", data={"token": token}, headers={"Origin": "http://testserver"},
                     follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"


def test_the_page_is_never_cached_framed_or_given_scripts(client):
    page = client.get("/", headers={"Authorization": f"Bearer {ops_token()}"})
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text


def test_the_page_draws_each_section_from_the_apis_answers(client):
    doc = lxml.html.fromstring(client.get("/", headers={"Authorization": f"Bearer {ops_token()}"}).text)
    cards = {c.get("data-service"): c.get("data-ready") for c in doc.xpath('//li[@data-service]')}
    assert cards == {"requests": "true", "delivery": "false"}
    assert "Not ready: kafka unreachable" in doc.xpath('string(//li[@data-service="delivery"])')
    lag = doc.xpath('//section[@id="pipeline"]//rect[@data-label="delivery.ecm"]')
    assert [r.get("data-value") for r in lag] == ["1500"]
    assert doc.xpath('string(//p[@data-figure="missed"])').startswith("1 missed visits")
    assert "Acorn Care" in doc.xpath('string(//section[@id="missed"]//table)')
    sla = {r.get("data-series"): r.get("data-value") for r in doc.xpath('//section[@id="queries"]//rect')
           if r.get("data-label") == "Late payment"}
    assert sla == {"On track": "1", "Overdue (not yet reported)": "1", "Breached": "1"}
    assert doc.xpath('//section[@id="payments"]//circle[@data-value="75.0"]')
    assert "£1,234.56" in doc.xpath('string(//section[@id="payments"])')
    # A section whose figures could not be read says why; the rest are still drawn.
    assert "database not ready" in doc.xpath('string(//section[@id="spend"]//p[@class="problem"])')


def test_the_spend_section_charts_by_mechanism_and_keeps_the_mechanism_filter_in_its_links(client, monkeypatch):
    spend = {"period": "month", "from": "2026-11-01", "to": "2026-11-30", "rows": [
        {"period_start": "2026-11-01", "group": "direct_payment_managed",
         "label": "Direct payment managed by the council",
         "committed_pence": 0, "delivered_pence": 0, "invoiced_pence": 0, "paid_pence": 19_134}],
        "totals": {"committed_pence": 0, "delivered_pence": 0, "invoiced_pence": 0, "paid_pence": 19_134}}
    asked = []

    async def canned(request, token, measure, period, mechanism=""):
        asked.append(mechanism)
        return {**ANSWERS, "by_service": spend, "by_provider": spend, "by_mechanism": spend}

    monkeypatch.setattr(dashboard, "read_api", canned)
    page = client.get("/", params={"mechanism": "direct_payment_managed"},
                      headers={"Authorization": f"Bearer {ops_token()}"})
    assert asked == ["direct_payment_managed"]
    doc = lxml.html.fromstring(page.text)
    assert doc.xpath('//section[@id="spend"]//figcaption[.="Paid by mechanism, by month"]')
    assert doc.xpath('string(//dd[@data-figure="paid_pence"])') == "£191.34"
    charts = doc.xpath('//nav[@aria-label="Which figure to chart"]//a/@href')
    assert charts and all(h.endswith("&mechanism=direct_payment_managed") for h in charts)
    only = {a.text: a.get("href") for a in doc.xpath('//nav[@aria-label="Which mechanisms to count"]//a')}
    assert only["All"] == "/?measure=paid&period=month"
    assert only["Individual service fund (ISF)"] == "/?measure=paid&period=month&mechanism=isf"
    current = doc.xpath('//nav[@aria-label="Which mechanisms to count"]//a[@aria-current="page"]')
    assert [a.text for a in current] == ["Direct payment managed by the council"]


def test_the_spend_api_reads_the_dashboards_mechanism_filter():
    calls = dashboard._api_calls("paid", "month", "isf,council_arranged")
    assert {k: v[1].get("mechanism") for k, v in calls.items() if v[0] == "/spend"} == {
        "by_service": "isf,council_arranged", "by_provider": "isf,council_arranged",
        "by_mechanism": "isf,council_arranged"}
    assert calls["by_mechanism"][1]["group_by"] == "mechanism"
    assert "mechanism" not in dashboard._api_calls("paid", "month")["by_service"][1]


async def test_the_dashboard_reads_every_page_of_spend_and_adds_their_totals():
    api = FastAPI()

    @api.get("/spend")
    async def spend_pages(request: Request, response: Response, after: str | None = None) -> dict:
        group = "PRV-2" if after else "PRV-1"
        if after is None:
            response.headers["Link"] = f'<{request.url.include_query_params(after="page-2")}>; rel="next"'
        return {"period": "month", "from": "2026-11-01", "to": "2026-11-30",
                "rows": [{"period_start": "2026-11-01", "group": group, "label": group, "committed_pence": 0,
                          "delivered_pence": 0, "invoiced_pence": 0, "paid_pence": 100}],
                "totals": {"committed_pence": 0, "delivered_pence": 0, "invoiced_pence": 0, "paid_pence": 100}}

    @api.get("/{other:path}")
    async def anything_else(other: str) -> dict:
        return {}

    answers = await dashboard.read_api(SimpleNamespace(app=api), "token", "paid", "month")
    assert isinstance(answers["by_provider"], dict), answers["by_provider"]
    assert [r["group"] for r in answers["by_provider"]["rows"]] == ["PRV-1", "PRV-2"]
    assert answers["by_provider"]["totals"]["paid_pence"] == 200


def test_the_sign_in_form_keeps_an_officers_token_and_refuses_others_with_the_sign_in_page(client):
    token = ops_token()
    signed_in = client.post("/dashboard/sign-in", data={"token": token}, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    assert signed_in.headers["set-cookie"].startswith(f"{COOKIE}={token};")
    bad = client.post("/dashboard/sign-in", data={"token": "not-a-token"}, follow_redirects=False)
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert bad.headers["content-type"].startswith("text/html")
    person = client.post("/dashboard/sign-in", data={"token": mint_token(SECRET, subject="p", role="person",
                                                                        person_ref="P-1")})
    assert person.status_code == 403 and person.headers["content-type"].startswith("text/html")
    assert client.post("/dashboard/sign-in", data={"token": ""}).status_code == 422  # minLength 1, as documented


def test_signing_out_shows_the_sign_in_page_and_another_sites_form_is_refused_with_it(client):
    out = client.post("/dashboard/sign-out")
    assert out.status_code == 200 and out.headers["content-type"].startswith("text/html")
    assert f'{COOKIE}=""' in out.headers["set-cookie"]
    elsewhere = client.post("/dashboard/sign-out", headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and elsewhere.headers["content-type"].startswith("text/html")
    assert "own page" in elsewhere.text
    # No token, so shared.idempotency keeps no key here; one sent is still held to the documented pattern.
    assert client.post("/dashboard/sign-out", headers={"Idempotency-Key": "é".encode("latin-1")}).status_code == 422
    assert client.post("/dashboard/sign-out", headers={"Idempotency-Key": "retry-1"}).status_code == 200


def test_no_token_is_a_401_sign_in_page_saying_bearer(client):
    page = client.get("/")
    assert page.status_code == 401 and page.headers["www-authenticate"] == "Bearer"
    assert page.headers["content-type"].startswith("text/html")
