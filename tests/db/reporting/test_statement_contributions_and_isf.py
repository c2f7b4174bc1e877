"""The person's statement shows what they are charged towards their care (the latest revision of each
four-weekly period overlapping it, in any order) and what their ISF bought: events in through reporting's
invoicing consumer, the statement out through its HTTP API (JSON and HTML), on a fresh reporting schema.
Only the person and the social worker they are allocated to may read it."""
from __future__ import annotations

from datetime import date

import pytest

from contracts import agreements as ag
from contracts import requests as rq
from contracts.common import ServiceType, SpendMechanism
from shared.testing import DatabaseOnly
from services.reporting.app import app
from services.reporting.handlers.agreements import AGREEMENTS
from services.reporting.handlers.invoicing import INVOICING
from services.reporting.handlers.requests import REQUESTS
from tests.db.reporting.isf_events import APRIL_4W, FEBRUARY, JANUARY, MARCH_4W, MAY_4W, charged, isf_accepted
from tests.db.reporting.mechanism_events import agreement

pytestmark = pytest.mark.db
PERSON, OTHER, PROVIDER, WORKER = "P-ISF", "P-OTHER", "PRV-ISF", "u-sw-isf"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
async def db():
    async with DatabaseOnly("reporting") as db:
        await db.send(REQUESTS, rq.PersonAllocated(person_ref=PERSON, allocation_id="AL-1", worker_id=WORKER,
                                                   worker_role="social_worker"))
        await db.send(AGREEMENTS, ag.ProviderRegistered(
            provider_id=PROVIDER, name="Sunrise Care", cqc_provider_id="1-000000001", cqc_location_ids=[],
            service_types=[ServiceType.HOME_CARE], self_billing=ag.SelfBilling(in_place=False)),
            agreement("AGR-ISF", PERSON, PROVIDER, mechanism=SpendMechanism.ISF))
        # Revisions out of order: March's second (capped) before its first; April's third and first in one batch.
        await db.send(INVOICING, charged(PERSON, MARCH_4W, 2, contribution=8_000, care_cost=6_050, previous=8_000),
                      charged(PERSON, JANUARY, 1, contribution=8_000, care_cost=20_000),
                      charged(OTHER, MARCH_4W, 1, contribution=9_900, care_cost=50_000))
        await db.send(INVOICING, charged(PERSON, MARCH_4W, 1, contribution=8_000, care_cost=20_000),
                      charged(PERSON, FEBRUARY, 1, contribution=8_000, care_cost=20_000),
                      charged(PERSON, APRIL_4W, 3, contribution=4_000, care_cost=20_000, previous=8_000),
                      charged(PERSON, APRIL_4W, 1, contribution=8_000, care_cost=20_000),
                      charged(PERSON, MAY_4W, 1, contribution=8_000, care_cost=20_000))
        await db.send(INVOICING, isf_accepted(
            "R-1", PROVIDER, "AGR-ISF", PERSON, MARCH_4W, budget=100_000,
            support=[("personal_care", "20.50", 50_000), ("day trips", "6.00", 30_000)],
            subcontractors=[("Green Gardens Ltd", 12_000)]),
            isf_accepted("R-2", PROVIDER, "AGR-ISF2", OTHER, MARCH_4W, budget=50_000,
                         support=[("personal_care", "10.00", 40_000)]))
        # A replay (the same revision or return again, under a new envelope) changes nothing.
        await db.send(INVOICING, charged(PERSON, MARCH_4W, 1, contribution=8_000, care_cost=20_000))
        assert db.dead == []
        yield db


async def read(db: DatabaseOnly, headers: dict, person: str = PERSON, **params):
    async with db.http(app) as client:
        return await client.get(f"/people/{person}/statement", params={**MARCH, **params}, headers=headers)


async def test_the_latest_revision_of_each_period_is_kept_whatever_the_order(db):
    rows = await db.fetch("SELECT period_start, revision, charged_pence, capped FROM contribution_charge"
                          " WHERE person_ref = $1 ORDER BY period_start", PERSON)
    assert [tuple(r) for r in rows] == [(JANUARY[0], 1, 8_000, False), (FEBRUARY[0], 1, 8_000, False),
                                        (MARCH_4W[0], 2, 6_050, True), (APRIL_4W[0], 3, 4_000, False),
                                        (MAY_4W[0], 1, 8_000, False)]


async def test_the_person_sees_each_overlapping_period_charged_and_what_their_isf_bought(db):
    answer = await read(db, db.auth("person", person=PERSON))
    assert answer.status_code == 200, answer.text
    out = answer.json()
    # Periods overlapping March 2026: the one ending 1 March, the one in it, the one starting 30 March.
    assert [(c["period_start"], c["charged_pence"], c["capped"]) for c in out["contributions"]] == [
        ("2026-02-02", 8_000, False), ("2026-03-02", 6_050, True), ("2026-03-30", 4_000, False)]
    march = out["contributions"][1]
    assert (march["contribution_pence"], march["care_cost_pence"]) == (8_000, 6_050)
    assert march["reason"] == "assessed contribution for the days of care"
    assert march["sentence"] == ("For 2 March 2026 to 29 March 2026 you are charged £60.50, capped at the cost of "
                                 "the care you received (your assessed contribution for that time is £80.00).")
    assert out["figures"]["contributions_charged_pence"] == 18_050
    [isf] = out["isf"]
    assert (isf["period_start"], isf["period_end"], isf["provider_name"]) == ("2026-03-02", "2026-03-29",
                                                                              "Sunrise Care")
    assert (isf["budget_pence"], isf["spend_pence"]) == (100_000, 80_000)
    assert isf["by_support"] == [
        {"support_type": "personal_care", "hours": "20.50", "spend_pence": 50_000,
         "sentence": "Personal care: 20.5 hours, £500.00."},
        {"support_type": "day trips", "hours": "6.00", "spend_pence": 30_000,
         "sentence": "Day trips: 6 hours, £300.00."}]
    assert isf["by_subcontractor"] == [{"subcontractor": "Green Gardens Ltd", "spend_pence": 12_000}]
    assert isf["sentence"] == ("Your individual service fund with Sunrise Care for 2 March 2026 to 29 March 2026 had "
                               "a budget of £1,000.00, and £800.00 was spent (£200.00 less than the budget).")
    assert isf["subcontractors_sentence"] == ("Sunrise Care paid other organisations for some of this: "
                                              "Green Gardens Ltd (£120.00).")
    assert (out["figures"]["isf_budget_pence"], out["figures"]["isf_spend_pence"]) == (100_000, 80_000)
    assert any("you are charged £180.50 in all" in s for s in out["sentences"])


async def test_the_page_says_the_same_in_words(db):
    page = await read(db, db.auth("person", person=PERSON), format="html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "What you are charged towards your care" in text
    assert "you are charged £60.50, capped at the cost of the care you received" in text
    assert "What your individual service fund bought" in text and "Personal care: 20.5 hours, £500.00." in text
    assert "Green Gardens Ltd (£120.00)" in text
    assert "£99.00" not in text and "R-2" not in text  # nothing of another person


async def test_the_allocated_social_worker_reads_it_and_nobody_else(db):
    assert (await read(db, db.auth("social_worker", subject=WORKER))).json()["isf"][0]["spend_pence"] == 80_000
    for headers in (db.auth("social_worker", subject="u-sw-other"), db.auth("person", person=OTHER),
                    db.auth("finance_officer")):
        assert (await read(db, headers)).status_code == 403
    other = (await read(db, db.auth("person", person=OTHER), person=OTHER)).json()
    assert [c["charged_pence"] for c in other["contributions"]] == [9_900]
    assert [(i["budget_pence"], i["provider_id"]) for i in other["isf"]] == [(50_000, PROVIDER)]


async def test_a_statement_outside_any_period_charged_has_neither(db):
    out = (await read(db, db.auth("person", person=PERSON), **{"from": "2025-04-01", "to": "2025-12-31"})).json()
    assert out["contributions"] == [] and out["isf"] == []
    assert out["figures"]["contributions_charged_pence"] == 0
    assert out["from"] == date(2025, 4, 1).isoformat()
