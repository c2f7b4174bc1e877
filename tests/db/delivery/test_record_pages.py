"""GET /visits/rejected and /visits/unallocated page newest first with the one cursor pagination (`limit`,
`after`, a `Link: <…>; rel="next"` header): every record once, no gap, no overlap, across batches received at
different times. And a week's actuals answer in their documented shape. Against Postgres alone."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx
import pytest

from services.delivery.api.models import PeriodOut, ReceivedRecord, RejectedRecord
from services.delivery.app import app
from services.delivery.store import agreements as store_agreements
from shared.clock import london_date, london_local, utcnow, week_start
from shared.testing import DatabaseOnly
from tests.db.delivery.agreed import provider_registered, weekly_agreement

pytestmark = pytest.mark.db
PROVIDER, OTHER, CQC, OTHER_CQC = "PRV-PAGE-1", "PRV-PAGE-2", "1-900000401", "1-900000402"
PERSON, AGREEMENT = "SU-PAGE-1", "AGR-PAGE-1"
WEEK = week_start(london_date(utcnow())) - timedelta(weeks=1)


def visit(day: int, at: str, *, carer: str = "C-1", cqc: str = CQC, person: str = PERSON) -> dict:
    start = london_local(datetime.combine(WEEK + timedelta(days=day), time.fromisoformat(at)))
    end = (start + timedelta(minutes=30)).isoformat()
    return {"provider_ref": cqc, "service_user_ref": person, "visit_id": f"V-{day}-{at}-{carer}", "carer_id": carer,
            "planned_start": start.isoformat(), "planned_end": end, "check_in": start.isoformat(), "check_out": end,
            "check_in_method": "app"}


@pytest.fixture
async def db():
    store_agreements.BOOK.__init__()  # one process, many schemas: this schema's change_seq starts again
    async with DatabaseOnly("delivery") as db:
        for provider_id, cqc in ((PROVIDER, CQC), (OTHER, OTHER_CQC)):
            await provider_registered(db, provider_id, cqc)
        await weekly_agreement(db, AGREEMENT, PERSON, PROVIDER, WEEK)
        yield db
    store_agreements.BOOK.__init__()


async def every_page(client: httpx.AsyncClient, path: str, headers: dict, **params) -> list[list[dict]]:
    """Each page of a list, following its next links to the end."""
    pages, response = [], await client.get(path, params=params, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        following = response.links.get("next")
        if following is None:
            return pages
        response = await client.get(following["url"], headers=headers)


async def test_rejected_and_unallocated_records_page_without_gap_or_overlap(db):
    ops, provider = db.auth("ops"), db.auth("provider", provider=PROVIDER)
    async with db.http(app) as client:
        for batch in range(3):  # three batches, three received_at instants (ties within each broken by record_id)
            sent = await client.post(f"/providers/{PROVIDER}/visits", headers=provider, json=[
                visit(batch, "15:00"), visit(batch, "16:00"),  # no visit planned then: unallocated
                {**visit(batch, "09:00", carer=f"C-{batch}"), "check_in_method": "pigeon"},  # rejected
                visit(batch, "09:00", carer="C-9", person="SU-NOBODY"), visit(batch, "11:00", cqc=OTHER_CQC)])
            assert [r["outcome"] for r in sent.json()["records"]] == (["unallocated"] * 2 + ["rejected"] * 3)
        for listing, count, model in (("rejected", 9, RejectedRecord), ("unallocated", 6, ReceivedRecord)):
            everything = await client.get(f"/visits/{listing}", headers=ops)
            assert "link" not in everything.headers and len(everything.json()) == count
            for who, params in ((ops, {}), (provider, {}), (ops, {"provider_id": PROVIDER})):
                pages = await every_page(client, f"/visits/{listing}", who, limit=2, **params)
                assert [len(p) for p in pages] == [2] * (count // 2) + [1] * (count % 2), listing
                ids = [r["record_id"] for page in pages for r in page]
                assert ids == [r["record_id"] for r in everything.json()], "the pages, in order, are the whole list"
                keys = [(r["received_at"], r["record_id"]) for page in pages for r in page]
                assert keys == sorted(keys, reverse=True) and len(set(ids)) == count
            for record in everything.json():
                model.model_validate(record)
        # The next link keeps the other parameters: the second page of one intake is of that intake.
        intake = sent.json()["intake_id"]
        first = await client.get("/visits/rejected", params={"intake_id": intake, "limit": 2}, headers=ops)
        second = await client.get(first.links["next"]["url"], headers=ops)
        assert {r["intake_id"] for r in first.json() + second.json()} == {intake}
        assert len(first.json()) + len(second.json()) == 3 and "link" not in second.headers


async def test_a_cursor_that_is_not_one_of_this_list_is_422_naming_query_after(db):
    async with db.http(app) as client:
        for after in ("not a cursor", "WyJ4Il0"):  # not base64url; base64 of ["x"] (one value, this key has two)
            refused = await client.get("/visits/unallocated", params={"after": after}, headers=db.auth("ops"))
            assert refused.status_code == 422, refused.text
            assert [e["field"] for e in refused.json()["errors"]] == ["query.after"]


async def test_a_week_answers_in_its_documented_shape_and_a_day_not_a_monday_is_422_on_the_path(db):
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{PROVIDER}/visits", headers=db.auth("ops"), json=[visit(0, "09:00")])
        assert [r["outcome"] for r in sent.json()["records"]] == ["verified"]
        week = await client.get(f"/agreements/{AGREEMENT}/periods/{WEEK.isoformat()}", headers=db.auth("ops"))
        tuesday = await client.get(f"/agreements/{AGREEMENT}/periods/{WEEK + timedelta(days=1)}",
                                   headers=db.auth("ops"))
    assert week.status_code == 200, week.text
    period = PeriodOut.model_validate(week.json())
    assert (period.status, period.visits, period.amount_pence, len(period.planned_visits)) == ("open", 1, 1200, 1)
    assert period.lines[0].planned_start == london_local(datetime.combine(WEEK, time(9)))
    assert tuesday.status_code == 422 and tuesday.json()["code"] == "not_a_monday", tuesday.text
    assert [e["field"] for e in tuesday.json()["errors"]] == ["path.week_start"]
