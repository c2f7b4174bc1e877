"""Periodic returns of a direct payment held by the person (or a third party), through the payments HTTP
API against Postgres alone: stored only when they reconcile (422 naming the field or the first row that
does not, nothing stored), seen only by their person and finance, audited by one finance user and signed
off by another (DirectPaymentReturnAudited)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.domain.dp_returns import STATEMENT_COLUMNS
from tests.db.payments.dp_helpers import agreed

pytestmark = pytest.mark.db
HEADER = "date,description,paid_in_pence,paid_out_pence,balance_pence\n"


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


def statement(first: date, *rows: tuple[int, int, int, int]) -> str:
    """CSV rows (days after `first`, paid in, paid out, balance)."""
    return HEADER + "".join(f"{first + timedelta(days=d)},Line {n},{i or ''},{o or ''},{b}\n"
                            for n, (d, i, o, b) in enumerate(rows))


def csv_query(start: date, end: date, opening: int) -> str:
    return f"?period_start={start}&period_end={end}&opening_balance_pence={opening}"


async def test_a_holders_return_is_stored_only_when_it_reconciles_and_seen_only_by_them_and_finance(db):
    today = london_date(utcnow())
    start, end = today - timedelta(days=60), today - timedelta(days=31)
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=90))
        url = f"/direct-payments/{dp.agreement_id}/returns"
        statements = f"/direct-payments/{dp.agreement_id}/bank-statements"
        person = db.auth("person", person=dp.person_ref)
        good = statement(start, (1, 56_000, 0, 156_000), (5, 0, 30_000, 126_000), (20, 56_000, 0, 182_000))

        broken = good.replace("126000", "125000")
        refused = await client.post(statements + csv_query(start, end, 100_000), content=broken,
                                    headers={**person, "content-type": "text/csv"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "bank_statement_refused"
        [detail] = refused.json()["errors"]
        assert (detail["field"], detail["row"], detail["column"]) == ("body", 3, "balance_pence")
        assert detail["msg"].startswith("the running balance is 126000") and "says 125000" in detail["msg"]
        outside = good.replace(str(start + timedelta(days=20)), str(end + timedelta(days=1)))
        refused = await client.post(statements + csv_query(start, end, 100_000), files={"file": ("s.csv", outside)},
                                    headers=person)  # a form's part: the same refusal, naming the part
        [detail] = refused.json()["errors"]
        assert refused.status_code == 422 and (detail["field"], detail["row"], detail["column"]) == (
            "body.file", 4, "date")
        missing = await client.post(f"{statements}?period_start={start}&period_end={end}", content=good,
                                    headers={**person, "content-type": "text/csv"})
        assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "query.opening_balance_pence"
        as_xml = await client.post(statements + csv_query(start, end, 100_000), content=good,
                                   headers={**person, "content-type": "application/xml"})
        assert as_xml.status_code == 415 and "text/csv" in as_xml.json()["detail"]
        totals = {"period_start": str(end + timedelta(days=1)), "period_end": str(today - timedelta(days=1)),
                  "opening_balance_pence": 182_000, "closing_balance_pence": 190_000,  # 200,000 reconciles
                  "paid_in": [{"category": "direct_payment", "amount_pence": 56_000}],
                  "paid_out": [{"category": "care_agency", "amount_pence": 30_000},
                               {"category": "personal_assistant", "amount_pence": 8_000}]}
        refused = await client.post(url, json=totals, headers=person)
        assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", "closing_balance_pence"]
        bad_category = {**totals, "paid_in": [{"category": "holiday", "amount_pence": 1}]}
        refused = await client.post(url, json=bad_category, headers=person)
        assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", "paid_in", 0, "category"]
        assert await db.fetch("SELECT * FROM direct_payment_returns") == []  # nothing of a refused return is kept

        stored = await client.post(statements + csv_query(start, end, 100_000), files={"file": ("s.csv", good)},
                                   headers=person)
        assert stored.status_code == 201, stored.text
        assert {k: stored.json()[k] for k in ("source", "paid_in_pence", "paid_out_pence", "closing_balance_pence",
                                              "statement_rows", "status", "columns")} == {
            "source": "bank_statement", "paid_in_pence": 112_000, "paid_out_pence": 30_000,
            "closing_balance_pence": 182_000, "statement_rows": 3, "status": "submitted",
            "columns": {"mapped": list(STATEMENT_COLUMNS), "ignored": []}}
        overlap = await client.post(statements + csv_query(end, end, 0), content=HEADER + f"{end},x,1,,1\n",
                                    headers={**person, "content-type": "text/csv"})
        assert overlap.status_code == 422 and overlap.json()["errors"][0]["field"] == "query.period_start"
        fixed = await client.post(url, json={**totals, "closing_balance_pence": 200_000},
                                  headers=db.auth("finance_officer"))
        assert fixed.status_code == 201 and fixed.json()["paid_out"] == {"care_agency": 30_000,
                                                                         "personal_assistant": 8_000}
        assert fixed.json()["columns"] is None

        mine = await client.get(url, headers=person)
        assert [r["source"] for r in mine.json()] == ["bank_statement", "totals"]
        first = await client.get(url, params={"limit": 1}, headers=person)  # a page at a time: no gap, no overlap
        second = await client.get(first.links["next"]["url"], headers=person)
        assert [r["return_id"] for r in first.json() + second.json()] == [r["return_id"] for r in mine.json()]
        assert "next" not in second.links
        assert (await client.get(url, headers=db.auth("person", person="P-SOMEONE-ELSE"))).status_code == 404
        stranger = await client.post(statements + csv_query(start, end, 0), content=good,
                                     headers={**db.auth("person", person="P-SOMEONE-ELSE"), "content-type": "text/csv"})
        assert stranger.status_code == 404
        assert (await client.post(url, json=totals, headers=db.auth("finance_approver"))).status_code == 403


async def test_a_council_managed_account_sends_no_return(db):
    today = london_date(utcnow())
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=90), council_managed=True)
        sent = await client.post(f"/direct-payments/{dp.agreement_id}/returns", headers=db.auth("finance_officer"),
                                 json={"period_start": str(today - timedelta(days=30)), "period_end": str(today),
                                       "opening_balance_pence": 0, "closing_balance_pence": 0})
        assert sent.status_code == 409 and "council-managed" in sent.text


async def test_an_audit_needs_a_second_person_to_sign_it_off_and_then_is_published(db):
    today = london_date(utcnow())
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=90))
        sent = await client.post(f"/direct-payments/{dp.agreement_id}/returns", headers=db.auth("finance_officer"),
                                 json={"period_start": str(today - timedelta(days=60)),
                                       "period_end": str(today - timedelta(days=1)), "opening_balance_pence": 150_000,
                                       "closing_balance_pence": 182_000,
                                       "paid_in": [{"category": "direct_payment", "amount_pence": 112_000}],
                                       "paid_out": [{"category": "care_agency", "amount_pence": 80_000}]})
        return_id = sent.json()["return_id"]
        early = await client.post(f"/direct-payment-returns/{return_id}/sign-off",
                                  headers=db.auth("finance_approver", subject="u-checker"))
        assert early.status_code == 409  # nothing audited yet
        audited = await client.post(f"/direct-payment-returns/{return_id}/audit", json={},
                                    headers=db.auth("finance_officer", subject="u-auditor"))
        assert audited.status_code == 200, audited.text
        # Eight weeks of £140 net: £1,120 threshold; £1,820 held: £700 surplus.
        assert {k: audited.json()[k] for k in ("status", "audited_balance_pence", "threshold_pence",
                                               "surplus_pence")} == {
            "status": "audited", "audited_balance_pence": 182_000, "threshold_pence": 112_000, "surplus_pence": 70_000}
        assert await db.published("DirectPaymentReturnAudited") == []
        self_signed = await client.post(f"/direct-payment-returns/{return_id}/sign-off",
                                        headers=db.auth("finance_approver", subject="u-auditor"))
        assert self_signed.status_code == 403 and "two people" in self_signed.text
        assert (await client.post(f"/direct-payment-returns/{return_id}/sign-off",
                                  headers=db.auth("finance_officer", subject="u-other"))).status_code == 403
        signed = await client.post(f"/direct-payment-returns/{return_id}/sign-off",
                                   headers=db.auth("finance_approver", subject="u-checker"))
        assert signed.status_code == 200 and signed.json()["signed_off_by"] == "u-checker"
        [event] = await db.published("DirectPaymentReturnAudited")
        assert {k: event.payload[k] for k in ("agreement_id", "person_ref", "return_id", "balance_pence",
                                              "surplus_pence", "audited_by", "signed_off_by")} == {
            "agreement_id": dp.agreement_id, "person_ref": dp.person_ref, "return_id": return_id,
            "balance_pence": 182_000, "surplus_pence": 70_000, "audited_by": "u-auditor", "signed_off_by": "u-checker"}
        again = await client.post(f"/direct-payment-returns/{return_id}/sign-off",
                                  headers=db.auth("finance_approver", subject="u-third"))
        assert again.status_code == 409
        with pytest.raises(Exception, match="signed_off_by_a_second_person"):
            await db.fetch("UPDATE direct_payment_returns SET signed_off_by = audited_by")
