"""A council-managed direct payment's payroll on the database-only tier, through the HTTP API: the week's
gross pay and its export for the bureau, the bureau's net pay (checked row by row; two people above the
threshold), and the weekly run that pays each PA from the managed account, once."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.handlers.agreements import AGREEMENTS
from tests.db.payments.pa_helpers import (approved_timesheet, household, last_week, next_weekly_pay_date,
                                          pa_registered, shift, submitted)

pytestmark = pytest.mark.db
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def _worked_week(db, client, home):
    """PA 0: 4 h by day and a 17:00-23:00 shift (11,800p); PA 1: four nights 22:00-07:00 (57,600p); and a
    timesheet of PA 1 still awaiting approval (not in the gross)."""
    monday = last_week()
    first, second = home.pas[0].pa_id, home.pas[1].pa_id
    await approved_timesheet(client, db, home, first, shift(monday, "09:00", "13:00"),
                             shift(monday + timedelta(days=1), "18:00", "23:00"))
    await approved_timesheet(client, db, home, second, *(shift(monday + timedelta(days=n), "22:00", "07:00")
                                                          for n in range(4)))
    await submitted(client, db, second, shift(monday + timedelta(days=5), "09:00", "10:00"))
    return monday


async def test_the_weeks_gross_and_the_payroll_export_for_the_bureau(db):
    home = await household(db, pas=2)
    async with db.http(app) as client:
        monday = await _worked_week(db, client, home)
        url = f"/direct-payments/{home.agreement_id}/payroll/{monday}"
        view = (await client.get(url, headers=db.auth("person", person=home.person_ref))).json()
        export = await client.get(f"{url}/export.csv", headers=db.auth("finance_officer"))
        not_monday = await client.get(f"/direct-payments/{home.agreement_id}/payroll/{monday + timedelta(days=1)}",
                                      headers=db.auth("finance_officer"))
        stranger = await client.get(url, headers=db.auth("person", person="P-SOMEONE-ELSE"))
    assert view["gross_pence"] == 11_800 + 57_600 and view["timesheets_awaiting_approval"] == 1
    assert {p["pa_id"]: (p["hours"], p["gross_pence"]) for p in view["personal_assistants"]} == {
        home.pas[0].pa_id: ({"day": "5.00", "evening": "3.00", "night": "1.00"}, 11_800),
        home.pas[1].pa_id: ({"day": "0.00", "evening": "0.00", "night": "36.00"}, 57_600)}
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    end = monday + timedelta(days=6)
    rows = sorted([
        f"{home.pas[0].employee_ref},{home.pas[0].pa_id},{monday},{end},5.00,3.00,1.00,1200,1400,1600,11800",
        f"{home.pas[1].employee_ref},{home.pas[1].pa_id},{monday},{end},0.00,0.00,36.00,,,1600,57600"])
    assert export.text.split("\r\n") == [
        "employee_ref,pa_id,period_start,period_end,hours_day,hours_evening,hours_night,rate_day_pence,"
        "rate_evening_pence,rate_night_pence,gross_pence", *rows, ""]
    assert not_monday.status_code == 422 and "starts on a Monday" in not_monday.text
    assert stranger.status_code == 404


async def test_net_pay_is_checked_recorded_once_and_needs_two_people_above_the_threshold(db):
    home, held_by_person = await household(db, pas=2), await household(db, council_managed=False)
    first, second = home.pas
    officer, approver = db.auth("finance_officer", subject="u-maker"), db.auth("finance_approver", subject="u-maker")
    async with db.http(app) as client:
        monday = await _worked_week(db, client, home)
        url = f"/direct-payments/{home.agreement_id}/payroll/{monday}/net-pay"

        async def upload(text, headers=officer, where=url):
            return await client.post(where, content=text, headers={**headers, **CSV})
        small = await upload(f"Employee_Ref,net_pence,Tax Code\n{first.employee_ref},10000,1257L\n")
        same = await upload(f"employee_ref,net_pence\n{first.employee_ref},10000\n")
        changed = await upload(f"employee_ref,net_pence\n{first.employee_ref},9999\n")
        bad = await upload(f"employee_ref,net_pence\nEMP-NOBODY,1\n{second.employee_ref},57601\n")
        large = await upload(f"employee_ref,net_pence\n{second.employee_ref},50001\n")
        self_approved = await client.post(f"/payroll-net-pay/{large.json()['upload_id']}/approve", headers=approver)
        approved = await client.post(f"/payroll-net-pay/{large.json()['upload_id']}/approve",
                                     headers=db.auth("finance_approver", subject="u-checker"))
        closed = await client.post(f"/personal-assistants/{first.pa_id}/timesheets", headers=officer,
                                   json=[shift(monday + timedelta(days=6), "09:00", "10:00")])
        not_managed = await upload("employee_ref,net_pence\nX,1\n",
                                   where=f"/direct-payments/{held_by_person.agreement_id}/payroll/{monday}/net-pay")
    assert small.status_code == 201 and small.json()["status"] == "recorded" and small.json()["payable"]
    assert small.json()["columns"] == {"mapped": ["Employee_Ref", "net_pence"], "ignored": ["Tax Code"]}
    assert same.status_code == 200 and same.json()["already_recorded"] == 1
    assert changed.status_code == 409 and "already recorded as 10000, not 9999" in changed.text
    assert bad.status_code == 422
    assert bad.json()["code"] == "net_pay_refused"
    assert [(d["field"], d["row"], d["column"]) for d in bad.json()["errors"]] == [("body", 2, "employee_ref"),
                                                                                 ("body", 3, "net_pence")]
    assert large.status_code == 201 and large.json()["status"] == "pending" and not large.json()["payable"]
    assert self_approved.status_code == 403
    assert approved.status_code == 200 and approved.json()["status"] == "recorded"
    assert closed.status_code == 422 and "is closed" in closed.text
    assert not_managed.status_code == 409
    rows = await db.fetch("SELECT pa_id, net_pence, status FROM net_pay ORDER BY net_pence")
    assert [tuple(r) for r in rows] == [(first.pa_id, 10_000, "recorded"), (second.pa_id, 50_001, "recorded")]


async def test_the_weekly_run_pays_each_pa_their_net_pay_from_the_managed_account_once(db):
    home = await household(db)
    pa_id = home.pas[0].pa_id
    no_account = pa_registered(home.dp)
    await db.send(AGREEMENTS, no_account)
    pay_date = next_weekly_pay_date()
    officer = db.auth("finance_officer", subject="u-maker")
    async with db.http(app) as client:
        monday = last_week()
        await approved_timesheet(client, db, home, pa_id, shift(monday, "09:00", "17:00"))
        await approved_timesheet(client, db, home, no_account.pa_id, shift(monday, "18:00", "19:00"))
        recorded = await client.post(f"/direct-payments/{home.agreement_id}/payroll/{monday}/net-pay",
                                     headers={**officer, **CSV}, content=f"employee_ref,net_pence\n"
                                     f"{home.pas[0].employee_ref},7654\n{no_account.employee_ref},1000\n")
        assert recorded.status_code == 201, recorded.text

        async def propose():
            answer = await client.post("/payment-runs", headers=officer, json={
                "pay_date": pay_date.isoformat(), "kind": "weekly", "providers": [pa_id, no_account.pa_id]})
            assert answer.status_code == 201, answer.text
            return answer.json()
        run = await propose()
        approved = await client.post(f"/payment-runs/{run['run_id']}/approve",
                                     headers=db.auth("finance_approver", subject="u-checker"))
        again = await propose()
        exported = await client.post(f"/payment-runs/{run['run_id']}/export", headers=officer)
        view = (await client.get(f"/direct-payments/{home.agreement_id}/payroll/{monday}", headers=officer)).json()
    [payment] = run["payments"]
    assert (payment["payee_kind"], payment["payee_id"], payment["amount_pence"]) == ("personal_assistant", pa_id, 7654)
    assert [(ln["line_id"], ln["kind"], ln["service_type"]) for ln in payment["lines"]] == [
        (f"PAY/{pa_id}/{monday}", "payroll", "direct_payment")]
    assert [(x["payee_id"], x["reason"]) for x in run["exclusions"]] == [(no_account.pa_id, "no_bank_details")]
    lines = await db.fetch("SELECT line_id, kind, funded_by, amount_pence FROM run_lines WHERE run_id = $1",
                           run["run_id"])
    assert [tuple(r) for r in lines] == [(f"PAY/{pa_id}/{monday}", "payroll", home.agreement_id, 7654)]
    assert approved.status_code == 200, approved.text
    assert await db.fetchval("SELECT run_id FROM settlements WHERE document_id = $1", f"PAY/{pa_id}/{monday}") \
        == run["run_id"]
    # The second run pays it no more: the line is settled by the approved run.
    assert again["payments"] == [] and [x["payee_id"] for x in again["exclusions"]] == [no_account.pa_id]
    assert exported.status_code == 200, exported.text
    assert await db.published("PaymentMade") == []
    paid = {p["pa_id"]: p["net_pay"] for p in view["personal_assistants"]}
    assert paid[pa_id]["paid"] is True and paid[pa_id]["run_id"] == run["run_id"]


async def test_a_run_is_not_approved_when_its_payroll_line_no_longer_matches_the_net_pay(db):
    home = await household(db)
    pa_id = home.pas[0].pa_id
    officer = db.auth("finance_officer", subject="u-maker")
    async with db.http(app) as client:
        monday = last_week()
        await approved_timesheet(client, db, home, pa_id, shift(monday, "09:00", "17:00"))
        await client.post(f"/direct-payments/{home.agreement_id}/payroll/{monday}/net-pay", headers={**officer, **CSV},
                          content=f"employee_ref,net_pence\n{home.pas[0].employee_ref},7654\n")
        run = (await client.post("/payment-runs", headers=officer, json={
            "pay_date": next_weekly_pay_date().isoformat(), "kind": "weekly", "providers": [pa_id]})).json()
        await db.fetch("UPDATE net_pay SET net_pence = 7000 WHERE pa_id = $1", pa_id)
        refused = await client.post(f"/payment-runs/{run['run_id']}/approve",
                                    headers=db.auth("finance_approver", subject="u-checker"))
    assert refused.status_code == 409 and "not the net pay recorded for them" in refused.text
    assert await db.fetchval("SELECT count(*) FROM settlements") == 0
