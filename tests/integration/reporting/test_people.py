"""A person's budget against what is planned and spent, and their statement: for them and their social worker."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.envelope import Actor
from contracts.requests import PersonAllocated
from tests.conftest import auth, eventually, unique
from tests.integration.reporting.reporting_helpers import (MARCH, MONDAY, Flow, approved, budget, issued, paid, read,
                                                           send, visit)

pytestmark = pytest.mark.stack


async def person_with_care(producer) -> tuple[Flow, str]:
    """A person allocated to a social worker (by a team manager: acting on the person grants nothing), with a
    budget, a week of care delivered, invoiced and paid."""
    flow = await Flow().start(producer, weekly_commitment=7_000)
    social_worker = unique("u-sw")
    await send(producer, PersonAllocated(person_ref=flow.person, allocation_id=unique("AL"), worker_id=social_worker,
                                         worker_role="social_worker"), actor=Actor(id="u-manager", role="team_manager"))
    await send(producer, budget(flow.person, 30_000, 2_000), actor=Actor(id=unique("u-sw"), role="social_worker"))
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 2_400))
    invoice_id = unique("INV-RPT")
    await send(producer, issued(invoice_id, flow.provider_id, flow.agreement_id, flow.person, 2_400))
    await send(producer, approved(invoice_id, flow.provider_id, flow.agreement_id, 2_400))
    await send(producer, paid(invoice_id, flow.provider_id, 2_400, MONDAY + timedelta(days=20), unique("PAY")))
    return flow, social_worker


async def test_budget_is_set_against_commitment_and_spend_per_period(http, stack, producer):
    base = stack["reporting"]
    flow, _ = await person_with_care(producer)

    async def figures():
        out = await read(http, base, f"/people/{flow.person}/budget", period="month", **MARCH)
        # budget, commitment and spend arrive on three topics, each read by its own consumer: wait for all
        spent = (out["totals"][m] for m in ("delivered_pence", "invoiced_pence", "paid_pence"))
        heard = all(v == 2_400 for v in spent) and out["weekly_budget_pence"] and out["commitment_as_of"]
        return out if heard else None
    out = await eventually(figures, what="the person's budget, commitment and spend")
    assert (out["weekly_budget_pence"], out["weekly_contribution_pence"]) == (30_000, 2_000)
    assert out["weekly_commitment_pence"] == 7_000 and out["exceeded"] is False
    [march] = out["periods"]
    # weekly rates over days, half up: the budget on all 31 days (30,000 x 31 / 7),
    # the agreement from its start on the 3rd (7,000 x 29 / 7)
    assert (march["budget_pence"], march["committed_pence"]) == (132_857, 29_000)
    assert (march["delivered_pence"], march["invoiced_pence"], march["paid_pence"]) == (2_400, 2_400, 2_400)
    assert out["totals"]["budget_left_after_commitment_pence"] == 132_857 - 29_000
    csv = await read(http, base, f"/people/{flow.person}/budget", period="month", format="csv", **MARCH)
    assert csv.splitlines()[1] == "2031-03-01,2031-03-31,132857,29000,2400,2400,2400"
    assert (await http.get(f"{base}/people/{flow.person}/budget",
                           headers=auth("person", person=unique("P")))).status_code == 403


async def test_the_statement_is_for_the_person_and_their_social_worker_only(http, stack, producer):
    base = stack["reporting"]
    flow, social_worker = await person_with_care(producer)
    url = f"{base}/people/{flow.person}/statement"

    async def statement():
        resp = await http.get(url, params=MARCH, headers=auth("person", person=flow.person))
        if resp.status_code != 200:
            return None
        figures = resp.json()["figures"]  # paid, budget, planned, the provider's name: four keys or topics
        heard = figures["paid_pence"] == 2_400 and figures["weekly_budget_pence"] and figures["planned_pence"]
        named = any(line["provider_name"] for line in resp.json()["lines"])  # ProviderRegistered, on its own key
        return resp.json() if heard and named else None
    out = await eventually(statement, what="the person's statement")
    text = " ".join(out["sentences"])
    assert "1 March 2031 to 31 March 2031" in text
    assert "£300.00 a week, of which you pay £20.00 a week yourself" in text
    assert "£24.00 has been paid so far" in text
    provider_name = f"Report Care {flow.provider_id[-4:]}"
    assert out["lines"][0]["sentence"].startswith(f"Home care from {provider_name}: £290.00 planned")

    by_social_worker = await http.get(url, params=MARCH, headers=auth("social_worker", subject=social_worker))
    assert by_social_worker.status_code == 200 and by_social_worker.json()["sentences"] == out["sentences"]
    page = await http.get(url, params={**MARCH, "format": "html"}, headers=auth("person", person=flow.person))
    assert page.headers["content-type"].startswith("text/html") and "Your care statement" in page.text
    assert "£24.00 has been paid so far" in page.text

    for other in (auth("person", person=unique("P")), auth("social_worker", subject=unique("u-sw")),
                  auth("finance_officer"), auth("ops"), auth("provider", provider=flow.provider_id)):
        assert (await http.get(url, params=MARCH, headers=other)).status_code == 403
    assert (await http.get(url, params=MARCH)).status_code == 401
