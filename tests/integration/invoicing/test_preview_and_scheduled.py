"""The dry run shows exactly the invoice that would be raised, storing and publishing nothing; the
scheduled run then raises that invoice, once per agreement and period."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from tests.conftest import auth
from tests.integration.invoicing.invoicing_helpers import MONDAY, agreement, provider

pytestmark = pytest.mark.stack


async def _residential_from_thursday(producer, db) -> tuple[str, str]:
    """£700 a week from Thursday 12 March 2026: 18 days of the period 2–29 March."""
    pid = await provider(producer, db, self_billing=False)
    aid, _ = await agreement(producer, db, pid, basis=PaymentBasis.PLAN, cycle=Cycle.FOUR_WEEKLY,
                             start=MONDAY + timedelta(days=10), weekly_units="1", rate=70_000, unit=RateUnit.WEEK,
                             weekly_commitment=70_000, service_type=ServiceType.RESIDENTIAL)
    return pid, aid


async def test_a_preview_is_the_invoice_the_scheduled_run_then_raises_and_it_stores_nothing(http, stack, db,
                                                                                          producer, tail):
    pid, aid = await _residential_from_thursday(producer, db)
    base = stack["invoicing"]
    async with tail("invoicing.events") as events:
        resp = await http.post(f"{base}/invoices/preview", json={"agreement_id": aid, "period_start": "2026-03-16"},
                               headers=auth("provider", provider=pid))
        assert resp.status_code == 200, resp.text
        await asyncio.sleep(1.5)  # long enough for an event to be relayed, had one been recorded
        later = await events.consumer.getmany(timeout_ms=500)
        assert not [r for batch in later.values() for r in batch if aid.encode() in r.value]
    preview = resp.json()
    assert (preview["kind"], preview["status"], preview["number"]) == ("scheduled", "approved", f"SC-{pid}-000001")
    assert (preview["period_start"], preview["period_end"]) == ("2026-03-02", "2026-03-29")
    assert preview["total_pence"] == 180_000  # 18 of 28 days at £700 a week: 700 x 18 / 7
    assert preview["lines"][0]["first_day"] == "2026-03-12" and preview["history"] == []
    assert await db.fetchval("SELECT count(*) FROM invoicing.invoices WHERE $1 = ANY(agreement_ids)", aid) == 0
    assert await db.fetchval("SELECT count(*) FROM invoicing.invoice_number_sequence WHERE provider_id = $1", pid) == 0

    run = await http.post(f"{base}/invoices/scheduled", params={"period_start": "2026-03-02"},
                          headers=auth("finance_officer"))
    assert run.status_code == 200, run.text
    raised = await db.fetchrow("SELECT invoice_id, number, total_pence, status FROM invoicing.invoices"
                               " WHERE agreement_id = $1", aid)
    assert raised["invoice_id"] in run.json()["invoice_ids"]
    assert (raised["number"], raised["total_pence"], raised["status"]) == (preview["number"], 180_000, "approved")
    shown = (await http.get(f"{base}/invoices/{raised['invoice_id']}", headers=auth("finance_officer"))).json()
    assert [(x["first_day"], x["last_day"], x["amount_pence"]) for x in shown["lines"]] == [
        (x["first_day"], x["last_day"], x["amount_pence"]) for x in preview["lines"]]

    again = await http.post(f"{base}/invoices/scheduled", params={"period_start": "2026-03-02"},
                            headers=auth("finance_officer"))
    assert raised["invoice_id"] not in again.json()["invoice_ids"] and again.json()["already_invoiced"] >= 1
    assert await db.fetchval("SELECT count(*) FROM invoicing.invoices WHERE agreement_id = $1", aid) == 1


async def test_a_preview_of_a_period_with_weeks_unconfirmed_says_which(http, stack, db, producer):
    pid = await provider(producer, db)
    aid, _ = await agreement(producer, db, pid)
    resp = await http.post(f"{stack['invoicing']}/invoices/preview",
                           json={"agreement_id": aid, "period_start": MONDAY.isoformat()},
                           headers=auth("finance_officer"))
    assert resp.status_code == 409 and "not confirmed for week(s) 2–8 Mar 2026" in resp.json()["detail"]


async def test_a_scheduled_run_needs_a_monday_and_a_finance_officer(http, stack):
    url = f"{stack['invoicing']}/invoices/scheduled"
    assert (await http.post(url, params={"period_start": "2026-03-03"},
                            headers=auth("finance_officer"))).status_code == 422
    assert (await http.post(url, params={"period_start": "2026-03-02"},
                            headers=auth("provider", provider="PRV-X"))).status_code == 403

