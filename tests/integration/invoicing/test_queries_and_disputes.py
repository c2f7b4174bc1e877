"""A disputed invoice is held and off the clock until the dispute closes; query outcomes raise
credit notes and supplementary invoices that echo the query's effect."""
from __future__ import annotations

import pytest

from contracts import queries as q
from shared.clock import london_date
from tests.conftest import envelope_of, unique
from tests.integration.invoicing.invoicing_helpers import (MONDAY, about_agreement, agreement, confirm_week,
                                                           daily_lines, due, invoice, invoicing_event, provider, send,
                                                           utc)

pytestmark = pytest.mark.stack


async def _approved_self_bill(producer, db, tail) -> tuple[str, str]:
    pid = await provider(producer, db)
    aid, person = await agreement(producer, db, pid)
    async with tail("invoicing.events") as events:
        await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY, days=3))
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
        invoice_id = envelope_of(issued)["payload"]["invoice_id"]
        await events.wait_for(invoicing_event("InvoiceApproved", invoice_id))
    return pid, invoice_id


async def test_a_dispute_holds_the_invoice_and_when_closed_it_is_approved_again_due_later(http, stack, db, producer,
                                                                                        tail):
    pid, invoice_id = await _approved_self_bill(producer, db, tail)
    query_id = unique("Q")
    opened_at, closed_at = utc(0), utc(4)
    async with tail("invoicing.events") as events:
        await send(producer, q.DisputeOpened(query_id=query_id, invoice_id=invoice_id, provider_id=pid),
                   producer_name="queries", occurred_at=opened_at)
        [held] = await events.wait_for(invoicing_event("InvoiceHeld", invoice_id, disputed=True))
        # The query is resolved four days later: those days do not count towards the payment date.
        await send(producer, q.DisputeClosed(query_id=query_id, invoice_id=invoice_id, provider_id=pid),
                   producer_name="queries", occurred_at=closed_at)
        [approved] = await events.wait_for(invoicing_event("InvoiceApproved", invoice_id, revision=2))
    assert [r["code"] for r in envelope_of(held)["payload"]["reasons"]] == ["disputed"]
    approved = envelope_of(approved)["payload"]
    disputed = (london_date(closed_at) - london_date(opened_at)).days  # 4, whatever the hour
    assert approved["valid_on"] == due(approved["received_on"], disputed)
    assert approved["due_date"] == due(approved["received_on"], 30 + disputed)
    shown = await invoice(http, stack["invoicing"], invoice_id)
    assert shown["status"] == "approved" and shown["disputes"][0]["query_id"] == query_id
    assert [h["action"] for h in shown["history"]][-2:] == ["open_dispute", "close_dispute"]


async def test_a_credit_note_requested_by_a_query_is_issued_echoing_its_query_and_effect(http, stack, db, producer,
                                                                                       tail):
    pid, invoice_id = await _approved_self_bill(producer, db, tail)
    query_id, effect_id = unique("Q"), unique("EFF")
    async with tail("invoicing.events") as events:
        await send(producer, q.CreditNoteRequested(query_id=query_id, effect_id=effect_id, invoice_id=invoice_id,
                                                   provider_id=pid, amount_pence=1200), producer_name="queries")
        [issued] = await events.wait_for(invoicing_event("CreditNoteIssued", query_id=query_id))
    note = envelope_of(issued)["payload"]
    assert (note["effect_id"], note["corrects_invoice_id"], note["total_pence"]) == (effect_id, invoice_id, 1200)
    assert note["number"] == f"CN-{pid}-000001" and note["kind"] == "credit_note"
    shown = await invoice(http, stack["invoicing"], note["invoice_id"])
    assert shown["status"] == "approved" and shown["history"][0]["why"].startswith(f"query {query_id}")


async def test_a_credit_note_larger_than_the_invoice_is_refused_with_the_reason(http, stack, db, producer, tail):
    pid, invoice_id = await _approved_self_bill(producer, db, tail)
    query_id, effect_id = unique("Q"), unique("EFF")
    async with tail("invoicing.events") as events:
        await send(producer, q.CreditNoteRequested(query_id=query_id, effect_id=effect_id, invoice_id=invoice_id,
                                                   provider_id=pid, amount_pence=99_999), producer_name="queries")
        [refused] = await events.wait_for(invoicing_event("InvoiceCorrectionRefused", query_id=query_id))
    refused = envelope_of(refused)["payload"]
    assert (refused["effect_id"], refused["outcome"]) == (effect_id, "credit_note")
    assert "more than the £72.00 of" in refused["reason"] and "left to credit" in refused["reason"]


async def test_a_supplementary_payment_requested_by_a_query_is_raised_and_approved(http, stack, db, producer, tail):
    pid, invoice_id = await _approved_self_bill(producer, db, tail)
    query_id, effect_id = unique("Q"), unique("EFF")
    async with tail("invoicing.events") as events:
        await send(producer, q.SupplementaryPaymentRequested(query_id=query_id, effect_id=effect_id, provider_id=pid,
                                                             amount_pence=600, relates_to_invoice_id=invoice_id),
                   producer_name="queries")
        [issued] = await events.wait_for(invoicing_event("SupplementaryInvoiceIssued", query_id=query_id))
        supplementary = envelope_of(issued)["payload"]
        [approved] = await events.wait_for(invoicing_event("InvoiceApproved", supplementary["invoice_id"]))
    assert (supplementary["effect_id"], supplementary["corrects_invoice_id"]) == (effect_id, invoice_id)
    assert supplementary["number"] == f"SB-{pid}-000002"
    assert envelope_of(approved)["payload"]["amount_pence"] == 600
