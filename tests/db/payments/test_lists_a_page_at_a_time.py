"""Every payments list a page at a time (issue 18), against Postgres alone: `limit` and the `after` of the
previous page's `Link: <...>; rel="next"`, the pages together the whole list in its order (no gap, no
overlap), no next link on the last; and the bank's confirmations as a raw CSV body or a form's part, their
columns reported and their bad rows named."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from services.payments.app import app
from tests.conftest import every_page
from tests.db.payments.dp_helpers import agreed, paid_run, working_day_on_or_after
from tests.integration.hostile import fuzz_samples
from tests.integration.payments.payments_helpers import working_day_after

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def test_runs_newest_first_and_a_runs_files_by_name(db):
    finance = db.auth("finance_officer")
    async with db.http(app) as client:
        dp = await agreed(db, working_day_after(7))
        runs = []
        for weeks in range(3):  # three proposals for three pay dates: none approved, so each pays the same days
            runs.append(await paid_run(db, client, working_day_on_or_after(working_day_after(7 + 7 * weeks)),
                                       dp.agreement_id, approve=False))
        listed = await every_page(client, "/payment-runs", finance, limit=2)
        assert [len(p) for p in listed] == [2, 1]
        assert [r["run_id"] for p in listed for r in p] == [r["run_id"] for r in reversed(runs)]
        assert (await every_page(client, "/payment-runs", finance, limit=2, state="approved")) == [[]]

        run_id = runs[0]["run_id"]
        approved = await client.post(f"/payment-runs/{run_id}/approve",
                                     headers=db.auth("finance_approver", subject="u-checker"))
        assert approved.status_code == 200, approved.text
        exported = await client.post(f"/payment-runs/{run_id}/export", headers=finance)
        assert exported.status_code == 200, exported.text
        names = sorted(f["name"] for f in exported.json()["files"])
        assert len(names) >= 3
        files = await every_page(client, f"/payment-runs/{run_id}/files", finance, limit=2)
        assert [f["name"] for p in files for f in p] == names and all(len(p) <= 2 for p in files)
        assert (await client.get("/payment-runs/RUN-NOPE/files", headers=finance)).status_code == 404
        bad = await client.get("/payment-runs", params={"after": "WyJub3QtYW4taW50Il0"}, headers=finance)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.after"


async def test_two_person_decisions_oldest_first_ties_broken_by_id(db):
    at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    minutes = [0, 1, 1, 1, 2]  # three recorded in the same microsecond: their ids decide, across pages
    ids = [f"REL-{uuid.uuid4().hex[:8]}" for _ in minutes]
    for n, (decision_id, m) in enumerate(zip(ids, minutes)):
        await db.fetch("INSERT INTO two_person_decisions (decision_id, kind, subject_kind, subject_id, reason,"
                       " recorded_by, recorded_by_role, recorded_at) VALUES ($1, 'hold_release', 'invoice', $2,"
                       " 'returned in error', 'u-maker', 'finance_officer', $3)",
                       decision_id, f"INV-{n}", at + timedelta(minutes=m))
    await db.fetch("UPDATE two_person_decisions SET status = 'approved', approved_by = 'u-checker',"
                   " approved_by_role = 'finance_approver', approved_at = $2 WHERE decision_id = $1", ids[4], at)
    expected = [ids[0], *sorted(ids[1:4]), ids[4]]
    async with db.http(app) as client:
        pending = await every_page(client, "/two-person-decisions", db.auth("ops"), limit=2)
        every = await every_page(client, "/two-person-decisions", db.auth("ops"), limit=2, status="all")
    assert [len(p) for p in pending] == [2, 2]
    assert [d["decision_id"] for p in pending for d in p] == expected[:4]
    assert [d["decision_id"] for p in every for d in p] == expected


async def test_a_direct_payments_reclaims_oldest_first(db):
    today = london_date(utcnow())
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=90), council_managed=True)
        raised = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
        ids = [f"RCL-{n}-{uuid.uuid4().hex[:6]}" for n in range(3)]
        for n, reclaim_id in enumerate(ids):
            await db.fetch("INSERT INTO direct_payment_reclaims (reclaim_id, agreement_id, person_ref, reason, method,"
                           " amount_pence, council_managed, raised_by, raised_on, raised_at) VALUES ($1, $2, $3,"
                           " 'unspent_at_end', 'netting', $4, true, 'u-raiser', $5, $6)", reclaim_id,
                           dp.agreement_id, dp.person_ref, 1_000 * (n + 1), raised.date(), raised + timedelta(days=n))
        listed = await every_page(client, f"/direct-payments/{dp.agreement_id}/reclaims",
                             db.auth("person", person=dp.person_ref), limit=2)
    assert [[r["reclaim_id"] for r in p] for p in listed] == [ids[:2], ids[2:]]


async def test_the_payment_calendar_by_pay_date_however_far_apart_its_dates(db):
    finance = db.auth("finance_officer")
    first, last = date(2026, 1, 1), date(2026, 6, 30)
    async with db.http(app) as client:
        whole = (await client.get("/payment-calendar", params={"from": first, "to": last, "limit": 500},
                                  headers=finance)).json()
        listed = await every_page(client, "/payment-calendar", finance, limit=7, **{"from": first, "to": last})
        far = await client.get("/payment-calendar", params={"from": "0001-01-01", "to": "9999-12-31", "limit": 3},
                               headers=finance)
        backwards = await client.get("/payment-calendar", params={"from": last, "to": first}, headers=finance)
    assert len(whole) > 7 and [r for p in listed for r in p] == whole
    assert [(r["pay_date"], r["kind"]) for r in whole] == sorted((r["pay_date"], r["kind"]) for r in whole)
    assert far.status_code == 200 and len(far.json()) == 3 and "next" in far.links  # bounded by the page
    assert backwards.status_code == 200 and backwards.json() == []


async def test_the_banks_confirmations_as_a_body_or_a_form_part_with_their_columns(db):
    finance = db.auth("finance_officer")
    async with db.http(app) as client:
        dp = await agreed(db, working_day_after(7))
        run = await paid_run(db, client, working_day_after(7), dp.agreement_id)
        url = f"/payment-runs/{run['run_id']}/confirmations"
        assert (await client.post(f"/payment-runs/{run['run_id']}/export", headers=finance)).status_code == 200
        [payment] = run["payments"]
        ref = payment["payment_reference"]

        as_json = await client.post(url, json={"payment_reference": ref}, headers=finance)
        none_named = await client.post(url, content=fuzz_samples.bank_report_csv(),
                                       headers={**finance, "Content-Type": "text/csv"})
        unknown = await client.post(url, content=f"payment_reference,status,reason\nPAY-NOPE,paid,\n{ref},lost,\n",
                                    headers={**finance, "Content-Type": "text/csv"})
        paid = await client.post(url, content=f"Payment_Reference,status,reason,Bank Ref\n{ref},paid,,B-1\n",
                                 headers={**finance, "Content-Type": "text/csv; charset=utf-8"})
        again = await client.post(url, files={"file": ("bank.csv", f"payment_reference,status,reason\n{ref},paid,\n",
                                                        "text/csv")}, headers=finance)
    assert as_json.status_code == 415 and "text/csv" in as_json.json()["detail"]
    assert none_named.status_code == 200 and none_named.json()["paid"] == [], none_named.text  # the fuzz's sample
    assert unknown.status_code == 422 and unknown.json()["code"] == "confirmation_rows_invalid"
    assert [(e["field"], e["row"], e["column"]) for e in unknown.json()["errors"]] == [
        ("body", 2, "payment_reference"), ("body", 3, "status")]
    assert paid.status_code == 200, paid.text
    assert paid.json()["paid"] == [ref]
    assert paid.json()["columns"] == {"mapped": ["Payment_Reference", "status", "reason"], "ignored": ["Bank Ref"]}
    assert again.status_code == 200 and again.json()["already_recorded"] == 1
