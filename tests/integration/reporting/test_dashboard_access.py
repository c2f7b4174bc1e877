"""Who may open the dashboard on the running stack, how a sign-in link's token is handled, and the
missed-visits endpoint the dashboard reads its alerts from."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.auth import mint_token
from tests.conftest import SETTINGS, auth, eventually, token
from tests.integration.reporting.reporting_helpers import MONDAY, Flow, missed, read, send

pytestmark = pytest.mark.stack


async def test_a_provider_or_person_token_cannot_open_the_dashboard(http, stack):
    for who in (auth("provider", provider="PRV-X"), auth("person", person="P-X")):
        page = await http.get(f"{stack['reporting']}/", headers=who)
        assert page.status_code == 403
        assert "cannot open the operations dashboard" in page.text


async def test_a_bad_sign_in_link_is_refused_without_echoing_it_or_keeping_it(http, stack):
    forged = token("ops")[:-6] + "AAAAAA"
    page = await http.get(f"{stack['reporting']}/", params={"token": forged})
    assert page.status_code == 401
    assert forged not in page.text
    assert 'carepay_dashboard=""' in page.headers.get("set-cookie", ""), "a refused token must clear the cookie"


async def test_a_sign_in_link_keeps_the_token_in_an_http_only_cookie_and_drops_it_from_the_address(http, stack):
    good = mint_token(SETTINGS.auth_secret, subject="test-link", role="finance_officer", ttl_seconds=300)
    link = await http.get(f"{stack['reporting']}/", params={"token": good, "measure": "invoiced"},
                          follow_redirects=False)
    assert link.status_code == 303
    assert link.headers["location"] == "/?measure=invoiced&period=month"
    cookie = link.headers["set-cookie"]
    assert cookie.startswith(f"carepay_dashboard={good};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert link.headers["referrer-policy"] == "no-referrer"

    cookie_header = {"Cookie": f"carepay_dashboard={good}"}
    page = await http.get(f"{stack['reporting']}/?measure=invoiced", headers=cookie_header)
    assert page.status_code == 200
    assert "Invoiced by service type, by month" in page.text
    assert page.headers["cache-control"] == "no-store"
    # The cookie opens the page only: the JSON API still wants the header.
    api = await http.get(f"{stack['reporting']}/pipeline", headers=cookie_header)
    assert api.status_code == 401


async def test_the_stylesheet_is_served_beside_the_page(http, stack):
    css = await http.get(f"{stack['reporting']}/dashboard/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "svg.chart" in css.text


async def test_missed_visits_are_listed_newest_first_with_their_provider(http, stack, producer):
    base = stack["reporting"]
    flow = await Flow("MSD").start(producer)
    for day in (MONDAY, MONDAY + timedelta(days=2)):
        await send(producer, missed(flow.agreement_id, flow.person, flow.provider_id, day))
    window = {"to": (MONDAY + timedelta(days=6)).isoformat(), "days": 7, "provider_id": flow.provider_id}

    async def both_seen():
        out = await read(http, base, "/visits/missed", role="ops", **window)
        # The provider's name comes from agreements' topic, read by another consumer: wait for both.
        return out if out["missed"] == 2 and out["recent"][0]["provider_name"] else None

    out = await eventually(both_seen, what="two missed visits, with their provider's name, in the read model")
    assert [v["local_date"] for v in out["recent"]] == [(MONDAY + timedelta(days=2)).isoformat(), MONDAY.isoformat()]
    assert out["recent"][0]["provider_name"] == f"Report Care {flow.provider_id[-4:]}"
    assert out["recent"][0]["person_ref"] == flow.person
    assert out["by_day"] == [{"day": MONDAY.isoformat(), "missed": 1},
                             {"day": (MONDAY + timedelta(days=2)).isoformat(), "missed": 1}]
    assert out["by_provider"] == [{"provider_id": flow.provider_id, "provider_name": out["recent"][0]["provider_name"],
                                   "missed": 2}]
    refused = await http.get(f"{base}/visits/missed", headers=auth("provider", provider=flow.provider_id))
    assert refused.status_code == 403

