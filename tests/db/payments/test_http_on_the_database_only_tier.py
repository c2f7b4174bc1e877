"""The database-only tier drives a service's HTTP API in process, against its private schema."""
from __future__ import annotations

from services.payments.app import app
from shared.testing import DatabaseOnly


async def test_a_route_reads_the_private_schema_and_refuses_without_a_token():
    async with DatabaseOnly("payments") as db, db.http(app) as client:
        await db.fetch("INSERT INTO payees (provider_id, name) VALUES ('PRV-ONLY-HERE', 'Only Here Care')")
        assert (await client.get("/payees/PRV-ONLY-HERE")).status_code == 401
        found = await client.get("/payees/PRV-ONLY-HERE", headers=db.auth("finance_officer"))
        assert found.status_code == 200, found.text
        assert found.json()["name"] == "Only Here Care" and found.json()["payable"] is False
        assert (await client.get("/payees/PRV-ONLY-HERE", headers=db.auth("provider", provider="PRV-ONLY-HERE"))
                ).status_code == 403
    async with DatabaseOnly("payments") as other, other.http(app) as client:
        assert (await client.get("/payees/PRV-ONLY-HERE", headers=other.auth("finance_officer"))).status_code == 404


async def test_the_reports_answer_their_documented_shapes_and_name_what_is_wrong():
    async with DatabaseOnly("payments") as db, db.http(app) as client:
        finance = db.auth("finance_officer")
        over = await client.get("/reports/transparency", params={"over": 30000, "to": "2026-03-31"}, headers=finance)
        early = await client.get("/reports/transparency", params={"over": 500, "to": "0001-01-10"}, headers=finance)
        neither = await client.get("/reports/transparency", params={"over": 250}, headers=finance)
        backwards = await client.get("/reports/prompt-payment", params={"from": "2026-03-31", "to": "2026-03-01"},
                                     headers=finance)
        notice = await client.get("/reports/prompt-payment", params={"from": "2026-03-01", "to": "2026-03-31"},
                                  headers=finance)
    assert over.status_code == 200 and over.json() == {"over_pounds": 30000, "from": "2025-03-31",
                                                       "to": "2026-03-31", "payments": []}
    assert early.status_code == 200 and early.json()["from"] == "0001-01-01"  # a year back stops at the first day
    assert neither.status_code == 422 and neither.json()["errors"][0]["field"] == "query.over"
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "query.to"
    assert notice.status_code == 200 and notice.json()["overall"]["invoices_paid"] == 0


async def test_what_payments_knows_of_an_invoice_for_finance_and_its_own_provider():
    async with DatabaseOnly("payments") as db, db.http(app) as client:
        await db.fetch("INSERT INTO invoices (invoice_id, provider_id, state, number, amount_pence, received_on)"
                       " VALUES ('INV-ONLY-HERE', 'PRV-ONLY-HERE', 'received', 'A-1', 12345, '2026-03-02')")
        seen = await client.get("/invoices/INV-ONLY-HERE", headers=db.auth("finance_officer"))
        own = await client.get("/invoices/INV-ONLY-HERE", headers=db.auth("provider", provider="PRV-ONLY-HERE"))
        other = await client.get("/invoices/INV-ONLY-HERE", headers=db.auth("provider", provider="PRV-SOMEONE"))
    assert seen.status_code == 200, seen.text
    assert {k: seen.json()[k] for k in ("state", "amount_pence", "received_on", "disputed", "paid_by")} == {
        "state": "received", "amount_pence": 12345, "received_on": "2026-03-02", "disputed": False, "paid_by": None}
    assert own.status_code == 200 and other.status_code == 404
