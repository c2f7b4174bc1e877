"""Invoices providers send: stored whatever their quality, validated at once, held with reasons that
name the lines at fault, and never approved twice for one number."""
from __future__ import annotations

import pytest

from tests.conftest import auth, envelope_of, eventually
from tests.integration.invoicing.invoicing_helpers import (MONDAY, agreement, confirm_week, daily_lines, due,
                                                           invoicing_event, provider)

pytestmark = pytest.mark.stack


async def _invoiced_home_care(producer, db):
    """A provider that sends its own invoices, and a week of three £24.00 visits confirmed."""
    pid = await provider(producer, db, self_billing=False)
    aid, person = await agreement(producer, db, pid)
    await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY, days=3))
    await eventually(lambda: db.fetchval("SELECT true FROM invoicing.confirmed_weeks WHERE agreement_id = $1", aid),
                     what=f"actuals of {aid} confirmed")
    return pid, aid, person


async def test_a_csv_invoice_with_two_wrong_lines_is_held_with_reasons_naming_those_lines(http, stack, db, producer,
                                                                                        tail):
    pid, aid, person = await _invoiced_home_care(producer, db)
    csv = ("Invoice Number,Agreement Ref,Service User Ref,Date From,Visit ID,Amount\r\n"
           f"INV-77,{aid},{person},02/03/2026,V-0302,24.00\r\n"
           f"INV-77,{aid},{person},03/03/2026,V-0303,30.00\r\n"  # £6.00 more than the verified visit
           f"INV-77,{aid},{person},04/03/2026,V-0304,24.00\r\n"
           f"INV-77,{aid},{person},05/03/2026,V-9999,24.00\r\n")  # no such visit was verified
    async with tail("invoicing.events") as events:
        resp = await http.post(f"{stack['invoicing']}/providers/{pid}/invoices/csv",
                               files={"file": ("march.csv", "\ufeff" + csv, "text/csv")},
                               headers=auth("provider", provider=pid))
        assert resp.status_code == 201, resp.text
        [held] = resp.json()["invoices"]
        assert resp.json()["columns"] == {"mapped": ["Invoice Number", "Agreement Ref", "Service User Ref", "Date From",
                                                     "Visit ID", "Amount"], "ignored": []}
        [event] = await events.wait_for(invoicing_event("InvoiceHeld", held["invoice_id"]))
        await events.wait_for(invoicing_event("InvoiceReceived", held["invoice_id"], number="INV-77"))
    assert held["status"] == "held" and held["due_date"] is None
    by_code = {h["code"]: h for h in held["holds"]}
    assert set(by_code) == {"amount_differs_from_actuals", "visit_not_verified"}
    assert by_code["amount_differs_from_actuals"]["lines"] == [2]
    assert by_code["amount_differs_from_actuals"]["expected_pence"] == 2400
    assert by_code["amount_differs_from_actuals"]["message"].startswith("Line 2 (row 3 of the file) claims £30.00")
    assert by_code["visit_not_verified"]["lines"] == [4]
    assert "Line 4 (row 5 of the file): visit V-9999" in by_code["visit_not_verified"]["message"]
    assert [r["lines"] for r in envelope_of(event)["payload"]["reasons"]] == [[4], [2]]
    assert [x["source_row"] for x in held["lines"]] == [2, 3, 4, 5]  # every line kept as sent


async def test_a_correct_json_invoice_is_approved_due_30_days_after_it_was_received(http, stack, db, producer):
    pid, aid, person = await _invoiced_home_care(producer, db)
    body = {"invoice_number": "A-1", "lines": [
        {"agreement_ref": aid, "service_user_ref": person, "week_commencing": MONDAY.isoformat(),
         "amount_pence": 7200}]}
    resp = await http.post(f"{stack['invoicing']}/providers/{pid}/invoices", json=body,
                           headers=auth("provider", provider=pid))
    assert resp.status_code == 201, resp.text
    assert (resp.json()["status"], resp.json()["due_date"]) == ("approved", due(resp.json()["received_on"]))


async def test_an_invoice_number_used_before_is_stored_and_held_as_a_duplicate_never_released(http, stack, db,
                                                                                            producer):
    pid, aid, person = await _invoiced_home_care(producer, db)
    base, headers = stack["invoicing"], auth("provider", provider=pid)
    line = {"agreement_ref": aid, "service_user_ref": person, "date_from": MONDAY.isoformat(), "amount_pence": 2400}
    first = await http.post(f"{base}/providers/{pid}/invoices", json={"invoice_number": "INV-9", "lines": [line]},
                            headers=headers)
    assert first.json()["status"] == "approved", first.text
    again = await http.post(f"{base}/providers/{pid}/invoices", json={"invoice_number": " inv-9 ", "lines": [line]},
                            headers=headers)
    assert again.status_code == 201, again.text
    duplicate = again.json()
    assert duplicate["invoice_id"] != first.json()["invoice_id"] and duplicate["status"] == "held"
    assert {h["code"] for h in duplicate["holds"]} == {"invoice_number_already_used", "period_already_invoiced"}
    release = await http.post(f"{base}/invoices/{duplicate['invoice_id']}/release", json={"reason": "looks fine"},
                              headers=auth("finance_officer"))
    assert release.status_code == 409 and "cannot release" in release.json()["detail"]
    stored = await db.fetchval("SELECT count(*) FROM invoicing.invoices WHERE provider_id = $1", pid)
    assert stored == 2


async def test_an_unreadable_json_line_is_kept_and_the_invoice_held_naming_it(http, stack, db, producer):
    pid, aid, person = await _invoiced_home_care(producer, db)
    body = {"invoice_number": "B-1", "lines": [
        {"agreement_ref": aid, "service_user_ref": person, "date_from": MONDAY.isoformat(), "amount_pence": 2400},
        {"agreement_ref": aid, "service_user_ref": person, "date_from": "yesterday", "amount_pence": "lots"}]}
    resp = await http.post(f"{stack['invoicing']}/providers/{pid}/invoices", json=body,
                           headers=auth("provider", provider=pid))
    assert resp.status_code == 201, resp.text
    held = resp.json()
    assert held["status"] == "held" and [u["line_number"] for u in held["unreadable_lines"]] == [2]
    [unreadable] = [h for h in held["holds"] if h["code"] == "line_unreadable"]
    assert unreadable["lines"] == [2] and "amount_pence" in unreadable["message"]


async def test_an_officer_releases_a_held_invoice_with_a_reason_recorded_against_their_name(http, stack, db, producer,
                                                                                          tail):
    pid = await provider(producer, db, self_billing=False)
    aid, person = await agreement(producer, db, pid)
    body = {"invoice_number": "C-1", "lines": [
        {"agreement_ref": aid, "service_user_ref": person, "date_from": MONDAY.isoformat(), "amount_pence": 2400}]}
    resp = await http.post(f"{stack['invoicing']}/providers/{pid}/invoices", json=body,
                           headers=auth("provider", provider=pid))
    held = resp.json()
    assert [h["code"] for h in held["holds"]] == ["actuals_not_confirmed"]
    url = f"{stack['invoicing']}/invoices/{held['invoice_id']}/release"
    assert (await http.post(url, json={"reason": " "}, headers=auth("finance_officer"))).status_code == 422
    assert (await http.post(url, json={"reason": "ok"}, headers=auth("finance_approver"))).status_code == 403
    async with tail("invoicing.events") as events:
        released = await http.post(url, json={"reason": "visit evidence seen on paper"},
                                   headers=auth("finance_officer", subject="u-fo-7"))
        assert released.status_code == 200, released.text
        [approved] = await events.wait_for(invoicing_event("InvoiceApproved", held["invoice_id"]))
    assert released.json()["status"] == "approved" and released.json()["due_date"] == due(released.json()["received_on"])
    assert envelope_of(approved)["actor"] == {"id": "u-fo-7", "role": "finance_officer",
                                              "reason": "visit evidence seen on paper"}
    last = released.json()["history"][-1]
    assert (last["action"], last["by"], last["role"], last["why"]) == (
        "release", "u-fo-7", "finance_officer", "visit evidence seen on paper")
