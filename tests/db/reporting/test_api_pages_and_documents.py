"""Reporting's HTTP API as its OpenAPI document says, on a month of five people (test_spend_by_mechanism):
/spend's rows and /visits/missed's `recent` a page at a time in the one cursor style (`limit`, `after`, Link
rel="next"; every row once, none lost, CSV downloads whole); every JSON answer valid against its documented
schema, aliases (`from`) included; dates only as YYYY-MM-DD in 1900-2199; and a CSV download for a person_ref
no header can carry (it was a 500)."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import jsonschema_rs
import pytest

from shared.testing import DatabaseOnly
from services.reporting.app import app
from tests.db.reporting.mechanism_events import MARCH
from tests.db.reporting.test_spend_by_mechanism import send_the_month

pytestmark = pytest.mark.db
DOC = app.openapi()
MEASURES = ("committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")


@pytest.fixture(scope="module")
async def db():
    async with DatabaseOnly("reporting") as db:
        await send_the_month(db)
        # Seven missed visits of AGR-CA over four days, two on one day.
        for n, day in enumerate((2, 3, 3, 4, 5, 5, 5)):
            await db.fetch("INSERT INTO missed_visit_fact (visit_key, agreement_id, local_date, carers, alerted,"
                           " confirmed) VALUES ($1, 'AGR-CA', $2, 1, true, false)", f"V-{n}", date(2026, 3, day))
        yield db


def documented(path: str, status: str = "200") -> jsonschema_rs.Validator:
    schema = DOC["paths"][path]["get"]["responses"][status]["content"]
    media = "application/json" if status == "200" else "application/problem+json"
    return jsonschema_rs.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                        "components": DOC["components"], **schema[media]["schema"]})


async def _follow(client, path: str, params: dict, headers: dict, items: str) -> list[list[dict]]:
    pages, url = [], None
    while True:
        answer = await (client.get(url, headers=headers) if url else client.get(path, params=params, headers=headers))
        assert answer.status_code == 200, answer.text
        documented(path).validate(answer.json())
        pages.append(answer.json()[items])
        link = answer.headers.get("link")
        if not link:
            return pages
        assert link.endswith('>; rel="next"')
        url = link[1:link.index(">")]


@pytest.mark.parametrize("group_by, limit, groups", [("person", 2, 5), ("mechanism", 2, 5), ("provider", 1, 3),
                                                     ("service_type", 500, 3)])
async def test_spend_comes_a_page_of_groups_at_a_time_every_row_once_and_the_csv_whole(db, group_by, limit, groups):
    officer = db.auth("finance_officer")
    async with db.http(app) as client:
        pages = await _follow(client, "/spend", {**MARCH, "group_by": group_by, "limit": limit}, officer, "rows")
        whole = await client.get("/spend", params={**MARCH, "group_by": group_by, "format": "csv", "limit": 1},
                                 headers=officer)
    seen = [(r["group"], r["period_start"]) for page in pages for r in page]
    assert len(seen) == len(set(seen)) == groups  # March: one row per group
    on_pages = [{r["group"] for r in page} for page in pages]
    assert all(len(g) <= limit for g in on_pages) and len(pages) == -(-groups // limit)
    assert not set.intersection(*on_pages) if len(on_pages) > 1 else True
    assert whole.status_code == 200 and whole.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(whole.text)))
    assert sorted((r[group_by], r["period_start"]) for r in rows) == sorted((g or "", start) for g, start in seen)
    for measure in MEASURES:
        assert sum(int(r[measure]) for r in rows) == sum(r[measure] for page in pages for r in page)


async def test_a_page_of_spend_totals_its_own_rows(db):
    async with db.http(app) as client:
        first = await client.get("/spend", params={**MARCH, "group_by": "mechanism", "limit": 2},
                                 headers=db.auth("finance_officer"))
    answer = first.json()
    assert answer["totals"] == {m: sum(r[m] for r in answer["rows"]) for m in MEASURES}
    assert "next_after" not in answer and "after=" in first.headers["link"]


async def test_missed_visits_count_the_whole_range_and_page_the_visits_newest_first(db):
    officer = db.auth("ops")
    params = {"to": "2026-03-08", "days": 14, "limit": 3}
    async with db.http(app) as client:
        pages = await _follow(client, "/visits/missed", params, officer, "recent")
        summary = (await client.get("/visits/missed", params=params, headers=officer)).json()
    keys = [(v["local_date"], v["visit_key"]) for page in pages for v in page]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == 7
    assert summary["missed"] == 7 and [d["missed"] for d in summary["by_day"]] == [1, 2, 1, 3]


@pytest.mark.parametrize("path, params, role", [
    ("/people/{person_ref}/budget", {"period": "month", "from": "2026-03-01", "to": "2026-03-31"}, "finance_officer"),
    ("/people/{person_ref}/statement", {"from": "2026-03-01", "to": "2026-03-31"}, "person"),
    ("/prompt-payment", {"from": "2026-03-01", "to": "2026-04-30"}, "ops"),
    ("/visit-quality", MARCH, "ops"),
    ("/queries/open", {}, "ops"),
    ("/accruals", {"as_at": "2026-03-31"}, "finance_officer"),
])
async def test_every_json_answer_is_what_its_document_says(db, path, params, role):
    async with db.http(app) as client:
        answer = await client.get(path.format(person_ref="P-CA"), params=params,
                                  headers=db.auth(role, person="P-CA" if role == "person" else None))
    assert answer.status_code == 200, answer.text
    documented(path).validate(answer.json())
    if "from" in params and "from" in answer.json():
        assert "from_" not in answer.json()


@pytest.mark.parametrize("params, field", [
    ({"to": "0"}, "to"), ({"from": "1767225600"}, "from"), ({"from": "2026-3-1"}, "from"),
    ({"from": "2200-01-01"}, "from"), ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "from")])
async def test_a_date_is_yyyy_mm_dd_in_range_and_a_range_runs_forward_for_three_years_at_most(db, params, field):
    async with db.http(app) as client:
        answer = await client.get("/visit-quality", params=params, headers=db.auth("ops"))
    assert answer.status_code == 422, answer.text
    documented("/visit-quality", "422").validate(answer.json())
    assert [e["field"] for e in answer.json()["errors"]] == [f"query.{field}"]


async def test_left_out_from_is_the_year_up_to_to(db):
    async with db.http(app) as client:
        answer = await client.get("/prompt-payment", params={"to": "2020-06-15"}, headers=db.auth("ops"))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["from"], answer.json()["to"]) == ("2019-07-01", "2020-06-30")


@pytest.mark.parametrize("person_ref", ["%F3%9A%99%83%7C%1CC%C2%BB", "%C0%80", "P%22%3B%20x%0D%0A"])
async def test_a_budget_csv_for_any_person_ref_downloads_with_a_file_name_a_header_can_carry(db, person_ref):
    async with db.http(app) as client:
        answer = await client.get(f"/people/{person_ref}/budget", params={"format": "csv", **MARCH},
                                  headers=db.auth("finance_officer"))
    assert answer.status_code == 200, answer.text
    disposition = answer.headers["content-disposition"]
    assert disposition.isascii() and disposition.startswith('attachment; filename="budget-')
    assert disposition.endswith('-month.csv"') and disposition.count('"') == 2


async def test_a_week_of_spend_for_a_day_far_back_is_answered(db):
    day = date(1900, 1, 3)  # a Wednesday: its week starts on Monday 1 January 1900, the earliest day answered
    async with db.http(app) as client:
        answer = await client.get("/spend", params={"period": "week", "from": day.isoformat(),
                                                    "to": (day + timedelta(days=6)).isoformat()},
                                  headers=db.auth("ops"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [] and answer.json()["from"] == "1900-01-01"
