"""From confirmed actuals to an approved self-billed invoice, with its events, on the running stack."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import delivery as dl
from contracts.common import Cycle
from shared.clock import london_date, utcnow
from tests.conftest import envelope_of
from tests.integration.invoicing.invoicing_helpers import (MONDAY, about_agreement, agreement, confirm_week,
                                                           daily_lines, due, invoice, invoicing_event, line, provider,
                                                           verify_bank_details, week)

pytestmark = pytest.mark.stack


async def test_a_confirmed_week_is_self_billed_and_approved_due_in_30_days(http, stack, db, producer, tail):
    pid = await provider(producer, db)
    aid, person = await agreement(producer, db, pid)
    async with tail("invoicing.events") as events:
        await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY, days=3))
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
        issued = envelope_of(issued)["payload"]
        [approved] = await events.wait_for(invoicing_event("InvoiceApproved", issued["invoice_id"]))
    assert issued["number"] == f"SB-{pid}-000001"
    assert (issued["kind"], issued["total_pence"], issued["line_count"]) == ("self_billed", 3 * 2400, 3)
    assert (issued["period_start"], issued["period_end"]) == (MONDAY.isoformat(), (MONDAY + timedelta(6)).isoformat())
    approved = envelope_of(approved)["payload"]
    assert (approved["revision"], approved["amount_pence"], approved["due_date"]) == (1, 7200, due(approved["received_on"]))
    assert approved["service_type"] == "home_care" and approved["last_payable_date"] is None

    shown = await invoice(http, stack["invoicing"], issued["invoice_id"])
    assert shown["status"] == "approved" and shown["holds"] == []
    assert [(x["visit_id"], x["amount_pence"], x["minutes"]) for x in shown["lines"]] == [
        ("V-0302", 2400, 60), ("V-0303", 2400, 60), ("V-0304", 2400, 60)]
    assert [(h["action"], h["to_status"], h["by"]) for h in shown["history"]] == [
        ("raise", "draft", "system:invoicing"), ("submit", "validating", "system:invoicing"),
        ("record_outcome", "approved", "validation")]
    assert "self-billed from the actuals confirmed for 2–8 Mar 2026" in shown["history"][0]["why"]


async def test_a_four_weekly_agreement_is_self_billed_when_its_fourth_week_is_confirmed(http, stack, db, producer,
                                                                                      tail):
    pid = await provider(producer, db)
    # 2 Mar 2026 is the first Monday of a four-weekly period counted from 1 Apr 2024.
    aid, person = await agreement(producer, db, pid, cycle=Cycle.FOUR_WEEKLY, weekly_commitment=8_000)
    async with tail("invoicing.events") as events:
        for n in range(3):
            await confirm_week(producer, pid, aid, person, week(n), daily_lines(aid, week(n), days=2))
        await confirm_week(producer, pid, aid, person, week(3), daily_lines(aid, week(3), days=1))
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
    issued = envelope_of(issued)["payload"]
    assert (issued["period_start"], issued["period_end"]) == (MONDAY.isoformat(), (MONDAY + timedelta(27)).isoformat())
    assert (issued["line_count"], issued["total_pence"]) == (7, 7 * 2400)
    assert len([r for r in events.seen if about_agreement("InvoiceIssued", aid)(r)]) == 1  # not one per week


async def test_a_self_bill_waits_for_verified_bank_details_and_is_approved_when_they_are(http, stack, db, producer,
                                                                                       tail):
    pid = await provider(producer, db, bank_verified=False)
    aid, person = await agreement(producer, db, pid)
    async with tail("invoicing.events") as events:
        await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY))
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
        invoice_id = envelope_of(issued)["payload"]["invoice_id"]
        [held] = await events.wait_for(invoicing_event("InvoiceHeld", invoice_id))
        assert [r["code"] for r in envelope_of(held)["payload"]["reasons"]] == ["bank_details_not_verified"]
        await verify_bank_details(producer, pid)
        [approved] = await events.wait_for(invoicing_event("InvoiceApproved", invoice_id))
    approved = envelope_of(approved)["payload"]
    assert approved["due_date"] == due(approved["received_on"])
    shown = await invoice(http, stack["invoicing"], invoice_id)
    assert [h["action"] for h in shown["history"]][-2:] == ["recheck", "record_outcome"]
    assert shown["history"][-2]["why"] == "bank details verified"


async def test_a_correction_to_a_week_already_billed_raises_a_credit_note_against_its_invoice(http, stack, db,
                                                                                            producer, tail):
    pid = await provider(producer, db)
    aid, person = await agreement(producer, db, pid)
    first = daily_lines(aid, MONDAY, days=2)
    raised_from = london_date(utcnow()).isoformat()
    async with tail("invoicing.events") as events:
        await confirm_week(producer, pid, aid, person, MONDAY, first)
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
        original = envelope_of(issued)["payload"]["invoice_id"]
        await events.wait_for(invoicing_event("InvoiceApproved", original))
        # The first visit was 45 minutes, not 60: £6.00 less, reported with the next week.
        shorter = dl.ActualsAdjustment(visit_key=first[0].visit_key, carer_id="C-1", week_start=MONDAY,
                                       amount_pence_delta=-600, revision=2)
        await confirm_week(producer, pid, aid, person, week(1), [line(aid, week(1))], [shorter])
        [credit] = await events.wait_for(invoicing_event("CreditNoteIssued", corrects_invoice_id=original))
    credit = envelope_of(credit)["payload"]
    assert (credit["total_pence"], credit["number"]) == (600, f"CN-{pid}-000001")
    shown = await invoice(http, stack["invoicing"], credit["invoice_id"])
    assert shown["lines"][0]["visit_id"] == "V-0302" and "was £24.00, now £18.00" in shown["lines"][0]["description"]
    assert shown["status"] == "approved" and shown["corrects_invoice_id"] == original
    assert raised_from <= shown["received_on"] <= london_date(utcnow()).isoformat()  # raised today


async def test_a_week_confirmed_again_with_a_visit_fewer_credits_that_visit(http, stack, db, producer, tail):
    pid = await provider(producer, db)
    aid, person = await agreement(producer, db, pid)
    async with tail("invoicing.events") as events:
        await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY, days=3))
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
        original = envelope_of(issued)["payload"]["invoice_id"]
        await events.wait_for(invoicing_event("InvoiceApproved", original))
        await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY, days=2))
        [credit] = await events.wait_for(invoicing_event("CreditNoteIssued", corrects_invoice_id=original))
    assert envelope_of(credit)["payload"]["total_pence"] == 2400
    assert len([r for r in events.seen if about_agreement("InvoiceIssued", aid)(r)]) == 1
