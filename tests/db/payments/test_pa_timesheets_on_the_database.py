"""Personal assistants on the database-only tier: a PA registered on agreements.events (the latest wins), their
bank details arriving like a provider's on agreements.payee-accounts (no ProviderRegistered needed), and their
timesheets through the HTTP API: JSON and CSV, priced by band, refused whole with every problem named, and
approved or rejected only by whoever may."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from contracts import payee_accounts
from contracts.agreements import PersonalAssistantRate, TimeBand
from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.handlers.agreements import AGREEMENTS, PAYEE_ACCOUNTS
from tests.conftest import unique
from tests.db.payments.pa_helpers import (as_pa, household, last_week, pa_registered, shift, submitted,
                                          verified_account)
from tests.integration.payments.payments_helpers import BANK_MAKER, direct_payment

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def test_the_latest_description_of_a_pa_wins_even_when_an_older_one_arrives_late(db):
    dp = direct_payment(last_week(), weekly_budget=50_000, council_managed=True)
    first = pa_registered(dp, employee_ref="EMP-1")
    newer = first.model_copy(update={"employee_ref": "EMP-2", "employed_to": last_week() + timedelta(days=90),
                                     "rates": [PersonalAssistantRate(time_band=TimeBand.DAY, hourly_pence=1300)]})
    old, new = db.envelope(first), db.envelope(newer)
    await db.send(AGREEMENTS, new)
    await db.send(AGREEMENTS, old)  # published earlier, arrives later
    await db.send(AGREEMENTS, new)  # a replay changes nothing
    [row] = await db.fetch("SELECT employee_ref, employed_to, rates FROM personal_assistants WHERE pa_id = $1",
                           first.pa_id)
    assert (row["employee_ref"], row["employed_to"]) == ("EMP-2", newer.employed_to)
    assert row["rates"] == [{"time_band": "day", "day_category": None, "hourly_pence": 1300}]
    assert db.dead == []


async def test_a_pas_bank_details_arrive_like_a_providers_without_a_provider_registered(db):
    pa_id = unique("PA")
    account = await verified_account(db, pa_id)
    assert db.dead == []
    [row] = await db.fetch("SELECT name, bank_status, sort_code, account_number FROM payees WHERE provider_id = $1",
                           pa_id)
    assert dict(row) == {"name": None, "bank_status": "verified", "sort_code": "200000",
                         "account_number": account.account_number}
    # A new change holds the PA's pay again until a second person verifies it; the same person may not.
    change = unique("BDC")
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsEntered(
        provider_id=pa_id, change_id=change, account_fingerprint=account.fingerprint()), actor=BANK_MAKER)
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsVerified(
        provider_id=pa_id, change_id=change, bank_account=account), actor=BANK_MAKER)
    assert [d.reason for d in db.dead] == ["bank_change_self_verified"]
    assert await db.fetchval("SELECT bank_status FROM payees WHERE provider_id = $1", pa_id) == "held"
    async with db.http(app) as client:
        seen = await client.get(f"/payees/{pa_id}", headers=db.auth("finance_officer"))
    assert seen.json()["payable"] is False


async def test_a_json_timesheet_is_priced_by_band_and_awaits_approval(db):
    home = await household(db)
    pa_id, monday = home.pas[0].pa_id, last_week()
    async with db.http(app) as client:
        sheet = await submitted(client, db, pa_id, shift(monday, "17:00", "23:30", "tea and bed"),
                                shift(monday + timedelta(days=2), "22:00", "07:00"))
        again = await client.get(f"/timesheets/{sheet['timesheet_id']}", headers=db.auth("person",
                                                                                          person=home.person_ref))
    assert sheet["status"] == "submitted" and sheet["source"] == "json" and again.json() == sheet
    assert [(s["minutes"], s["gross_pence"], s["ends_next_day"]) for s in sheet["shifts"]] == [
        (390, 2400 + 4200 + 2400, False), (540, 9 * 1600, True)]
    assert sheet["minutes_by_band"] == {"day": 120, "evening": 180, "night": 630}
    assert sheet["gross_pence"] == 9000 + 14400


async def test_a_csv_timesheet_as_a_body_or_a_form_file(db):
    home = await household(db)
    pa_id, monday = home.pas[0].pa_id, last_week()
    text = f"work_date,start,end,note\n{monday},09:00,13:00,\n{monday + timedelta(days=1):%d/%m/%Y},09:00,10:30,x\n"
    async with db.http(app) as client:
        body = await client.post(f"/personal-assistants/{pa_id}/timesheets", content=text,
                                 headers={**as_pa(db, pa_id), "Content-Type": "text/csv"})
        form = await client.post(f"/personal-assistants/{pa_id}/timesheets",
                                 files={"file": ("week.csv", f"work_date,start,end\n{monday},14:00,15:00\n")},
                                 headers=db.auth("person", person=home.person_ref))
    assert body.status_code == 201, body.text
    assert (body.json()["source"], body.json()["gross_pence"]) == ("csv", 4800 + 1800)
    assert body.json()["columns"] == {"mapped": ["work_date", "start", "end", "note"], "ignored": []}
    assert form.status_code == 201, form.text
    assert form.json()["submitted_by_role"] == "person" and form.json()["source"] == "csv"


async def test_a_json_timesheet_as_a_form_part_and_what_is_not_a_timesheet(db):
    home = await household(db)
    pa_id, monday = home.pas[0].pa_id, last_week()
    url, pa = f"/personal-assistants/{pa_id}/timesheets", as_pa(db, pa_id)
    sheet = json.dumps({"shifts": [shift(monday, "09:00", "10:00")]})
    async with db.http(app) as client:
        as_part = await client.post(url, files={"file": ("week.json", sheet, "application/json")}, headers=pa)
        as_xml = await client.post(url, content="<shifts/>", headers={**pa, "Content-Type": "application/xml"})
        latin1 = await client.post(url, content="work_date,start,end,note\n2026-01-05,09:00,10:00,caf\xe9\n"
                                   .encode("latin-1"), headers={**pa, "Content-Type": "text/csv"})
        no_part = await client.post(url, files={"sheet": ("week.csv", "work_date,start,end\n")}, headers=pa)
        not_json = await client.post(url, content="{shifts", headers={**pa, "Content-Type": "application/json"})
    assert as_part.status_code == 201, as_part.text
    assert as_part.json()["source"] == "json" and as_part.json()["columns"] is None
    assert as_xml.status_code == 415 and as_xml.json()["code"] == "unsupported_media_type"
    assert latin1.status_code == 422 and latin1.json()["errors"][0]["field"] == "body"
    assert "not UTF-8" in latin1.json()["detail"]
    assert no_part.status_code == 422 and no_part.json()["errors"][0]["field"] == "body.file"
    assert not_json.status_code == 422 and not_json.json()["errors"][0]["type"] == "json_invalid"


async def test_a_pas_timesheets_a_page_at_a_time_newest_first(db):
    home = await household(db)
    pa_id, monday = home.pas[0].pa_id, last_week()
    async with db.http(app) as client:
        sheets = [await submitted(client, db, pa_id, shift(monday + timedelta(days=n), "09:00", "10:00"))
                  for n in range(5)]
        url, pa = f"/personal-assistants/{pa_id}/timesheets", as_pa(db, pa_id)
        pages, next_url = [], f"{url}?limit=2"
        while next_url:
            page = await client.get(next_url, headers=pa)
            assert page.status_code == 200, page.text
            pages.append([t["timesheet_id"] for t in page.json()])
            next_url = page.links.get("next", {}).get("url")
        approved = await client.get(url, params={"limit": 1, "status": "approved"}, headers=pa)
        bad_cursor = await client.get(url, params={"after": "bm90LWEtY3Vyc29y"}, headers=pa)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [t for p in pages for t in p] == [s["timesheet_id"] for s in reversed(sheets)]  # no gap, no overlap
    assert approved.json() == [] and "link" not in approved.headers
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "query.after"


async def test_a_bad_timesheet_is_refused_whole_naming_each_shift_or_row_and_column(db):
    home = await household(db)
    pa_id, monday = home.pas[0].pa_id, last_week()
    async with db.http(app) as client:
        await submitted(client, db, pa_id, shift(monday, "09:00", "13:00"))
        answer = await client.post(f"/personal-assistants/{pa_id}/timesheets", headers=as_pa(db, pa_id), json={
            "shifts": [shift(monday, "12:00", "14:00"), shift(monday + timedelta(days=1), "08:00", "08:00"),
                       shift(monday + timedelta(days=20), "09:00", "10:00"),
                       shift(monday - timedelta(days=60), "09:00", "10:00")]})
        csv = await client.post(f"/personal-assistants/{pa_id}/timesheets", headers={
            **as_pa(db, pa_id), "Content-Type": "text/csv"},
            content=f"work_date,start,end\n{monday},10:00,11:00\n{monday},10:30,25:00\n")
        elsewhere = await client.post(f"/personal-assistants/{pa_id}/timesheets", headers=as_pa(db, pa_id), json={
            "direct_payment_id": "DP-OTHER", "shifts": [shift(monday, "20:00", "21:00")]})
    assert answer.status_code == 422
    details = {tuple(d["loc"]): d["msg"] for d in answer.json()["errors"]}
    assert list(details) == [("body", "shifts", 0, "start"), ("body", "shifts", 1, "end"),
                             ("body", "shifts", 2, "work_date"), ("body", "shifts", 3, "work_date")]
    assert "overlaps a shift of timesheet TS-" in details[("body", "shifts", 0, "start")]
    assert "is in the future" in details[("body", "shifts", 2, "work_date")]
    assert "a timesheet for a PA the DP does not employ" in details[("body", "shifts", 3, "work_date")]
    assert csv.status_code == 422
    assert csv.json()["code"] == "timesheet_refused"
    assert [(d["field"], d["row"], d["column"], d["msg"]) for d in csv.json()["errors"]] == [
        ("body", 3, "end", "row 3 column end: '25:00' is not a time HH:MM")]
    assert elsewhere.status_code == 422 and "a timesheet for a PA the DP does not employ" in elsewhere.text
    assert await db.fetchval("SELECT count(*) FROM timesheets WHERE pa_id = $1", pa_id) == 1


async def test_an_overnight_shift_meets_a_shift_of_the_next_day_already_submitted(db):
    home = await household(db)
    pa_id, monday = home.pas[0].pa_id, last_week()
    async with db.http(app) as client:
        await submitted(client, db, pa_id, shift(monday + timedelta(days=1), "06:00", "09:00"))
        answer = await client.post(f"/personal-assistants/{pa_id}/timesheets", headers=as_pa(db, pa_id),
                                   json=[shift(monday, "22:00", "07:00")])
    assert answer.status_code == 422
    [problem] = answer.json()["errors"]
    assert problem["loc"] == ["body", "shifts", 0, "start"] and "overlaps a shift of timesheet" in problem["msg"]


async def test_only_the_pa_their_employer_or_for_a_managed_dp_an_officer_submits(db):
    managed, own = await household(db), await household(db, council_managed=False)
    day = last_week()
    async with db.http(app) as client:
        def post(pa_id, headers):
            return client.post(f"/personal-assistants/{pa_id}/timesheets", headers=headers,
                               json=[shift(day, "09:00", "10:00")])
        other_pa = await post(managed.pas[0].pa_id, as_pa(db, own.pas[0].pa_id))
        other_person = await post(managed.pas[0].pa_id, db.auth("person", person=own.person_ref))
        officer_not_managed = await post(own.pas[0].pa_id, db.auth("brokerage_officer"))
        officer_managed = await post(managed.pas[0].pa_id, db.auth("finance_officer"))
        social_worker = await post(managed.pas[0].pa_id, db.auth("social_worker"))
    assert (other_pa.status_code, other_person.status_code) == (404, 404)
    assert officer_not_managed.status_code == 403 and "not managed by the council" in officer_not_managed.text
    assert officer_managed.status_code == 201, officer_managed.text
    assert social_worker.status_code == 403


async def test_who_may_approve_or_reject_a_timesheet(db):
    home = await household(db)
    pa_id, day = home.pas[0].pa_id, last_week()
    officer = db.auth("finance_officer", subject="u-olivia")
    async with db.http(app) as client:
        by_officer = await submitted(client, db, pa_id, shift(day, "09:00", "10:00"), headers=officer)
        by_pa = await submitted(client, db, pa_id, shift(day, "11:00", "12:00"))
        url = f"/timesheets/{by_officer['timesheet_id']}"
        pa_approves = await client.post(f"{url}/approve", headers=as_pa(db, pa_id))
        own_approval = await client.post(f"{url}/approve", headers=officer)
        stranger = await client.post(f"{url}/approve", headers=db.auth("person", person="P-SOMEONE-ELSE"))
        another_officer = await client.post(f"{url}/approve", headers=db.auth("brokerage_officer"))
        twice = await client.post(f"{url}/approve", headers=db.auth("finance_officer"))
        # The council is the nominee, so the employer: the person does not decide the PA's hours.
        person = await client.post(f"/timesheets/{by_pa['timesheet_id']}/approve",
                                   headers=db.auth("person", person=home.person_ref))
        no_reason = await client.post(f"/timesheets/{by_pa['timesheet_id']}/reject", json={"reason": " "},
                                      headers=db.auth("finance_officer"))
        rejected = await client.post(f"/timesheets/{by_pa['timesheet_id']}/reject", json={"reason": "was on leave"},
                                     headers=db.auth("finance_officer"))
        # A rejected timesheet's hours no longer count: the same shift may be submitted again.
        again = await submitted(client, db, pa_id, shift(day, "11:00", "12:00"))
    assert pa_approves.status_code == 403
    assert own_approval.status_code == 403 and "cannot also approve it" in own_approval.text
    assert stranger.status_code == 404
    assert another_officer.status_code == 200 and another_officer.json()["status"] == "approved"
    assert twice.status_code == 409
    assert person.status_code == 403 and "the council, as nominee, employs" in person.text
    assert no_reason.status_code == 422
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "was on leave"
    assert again["status"] == "submitted"
