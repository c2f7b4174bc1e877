"""What payments reports moves the invoice on: an approved run schedules it, the bank's confirmation
marks it paid, a returned payment makes it payable again with the bank's reason kept."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import payments as pay
from tests.conftest import envelope_of, eventually, unique
from tests.integration.invoicing.invoicing_helpers import (MONDAY, TODAY, about_agreement, agreement, confirm_week,
                                                           daily_lines, invoice, invoicing_event, provider, send)

pytestmark = pytest.mark.stack


async def _approved(producer, db, tail) -> tuple[str, str]:
    pid = await provider(producer, db)
    aid, person = await agreement(producer, db, pid)
    async with tail("invoicing.events") as events:
        await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY))
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
        invoice_id = envelope_of(issued)["payload"]["invoice_id"]
        await events.wait_for(invoicing_event("InvoiceApproved", invoice_id))
    return pid, invoice_id


def _run_approved(run_id: str, invoice_ids: list[str]) -> pay.PaymentRunApproved:
    return pay.PaymentRunApproved(run_id=run_id, run_number=1, kind="weekly", pay_date=TODAY, total_pence=7200,
                                  payment_count=1, invoice_ids=invoice_ids, approved_by="u-approver")


async def _status(http, stack, invoice_id: str) -> str:
    return (await invoice(http, stack["invoicing"], invoice_id))["status"]


async def test_an_approved_run_schedules_the_invoice_and_the_bank_confirmation_marks_it_paid(http, stack, db,
                                                                                           producer, tail):
    pid, invoice_id = await _approved(producer, db, tail)
    run_id = unique("RUN")
    async with tail("invoicing.events") as events:
        await send(producer, _run_approved(run_id, [invoice_id]), producer_name="payments")
        await events.wait_for(invoicing_event("InvoiceScheduled", invoice_id, run_id=run_id))
    assert await _status(http, stack, invoice_id) == "scheduled"
    await send(producer, pay.InvoicePaid(invoice_id=invoice_id, provider_id=pid, run_id=run_id,
                                         payment_reference="CP000001", paid_on=TODAY, amount_pence=7200),
               producer_name="payments")

    async def paid():
        return await _status(http, stack, invoice_id) == "paid"
    await eventually(paid, what="invoice paid")


async def test_a_returned_payment_makes_the_invoice_payable_again_with_the_banks_reason(http, stack, db, producer,
                                                                                      tail):
    pid, invoice_id = await _approved(producer, db, tail)
    run_id = unique("RUN")
    async with tail("invoicing.events") as events:
        await send(producer, _run_approved(run_id, [invoice_id]), producer_name="payments")
        await events.wait_for(invoicing_event("InvoiceScheduled", invoice_id))
    await send(producer, pay.PaymentReturned(run_id=run_id, provider_id=pid, payment_reference="CP000002",
                                             amount_pence=7200, invoice_ids=[invoice_id], reason="account closed",
                                             returned_on=TODAY + timedelta(days=3)), producer_name="payments")

    async def returned():
        shown = await invoice(http, stack["invoicing"], invoice_id)
        return shown if shown["status"] == "approved" and shown["holds"] else None
    shown = await eventually(returned, what="payment returned")
    assert [h["code"] for h in shown["holds"]] == ["payment_returned"]
    assert "account closed" in shown["holds"][0]["message"] and shown["holds"][0]["reference"] == run_id
    assert shown["due_date"] is not None
