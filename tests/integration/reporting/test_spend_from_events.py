"""Spend figures from the upstream events: corrections replace, credit notes subtract, returns reverse."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import eventually, unique
from tests.integration.reporting.reporting_helpers import (MARCH, MONDAY, Flow, approved, issued, paid, read,
                                                           returned, send, spend_of, until_spend, visit)

pytestmark = pytest.mark.stack


async def test_a_visit_correction_replaces_delivered_spend_it_never_adds_to_it(http, stack, producer):
    base = stack["reporting"]
    flow = await Flow().start(producer)
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 2_400))
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 1_800, revision=2))
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 2_400))  # replayed rev 1
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY + timedelta(days=1), 1_200))
    # The commitment (and with it the agreement's service type) comes on agreements' topic, read by another
    # consumer than the visits: wait for both. 7,000 a week from Monday the 3rd is 29,000 over March.
    await until_spend(http, base, flow.provider_id, "delivered after the correction, and the commitment",
                      delivered_pence=3_000, committed_pence=29_000)
    by_service = await read(http, base, "/spend", group_by="service_type", period="week", provider_id=flow.provider_id,
                            **MARCH)
    [row] = [r for r in by_service["rows"] if r["period_start"] == MONDAY.isoformat()]
    assert (row["group"], row["label"], row["delivered_pence"]) == ("home_care", "Home care", 3_000)
    assert row["committed_pence"] == 7_000  # a whole week of the weekly commitment
    quality = await read(http, base, "/visit-quality", period="week", provider_id=flow.provider_id, **MARCH)
    assert [(r["attendances"], r["late"]) for r in quality["rows"]] == [(2, 0)]


async def test_a_credit_note_reduces_invoiced(http, stack, producer):
    base = stack["reporting"]
    flow = await Flow().start(producer)
    invoice_id, credit_id = unique("INV-RPT"), unique("CN-RPT")
    await send(producer, issued(invoice_id, flow.provider_id, flow.agreement_id, flow.person, 10_000))
    await send(producer, approved(invoice_id, flow.provider_id, flow.agreement_id, 10_000))
    await until_spend(http, base, flow.provider_id, "the invoice approved", invoiced_pence=10_000)
    await send(producer, issued(credit_id, flow.provider_id, flow.agreement_id, flow.person, 2_500, kind="credit_note",
                                corrects=invoice_id))
    await until_spend(http, base, flow.provider_id, "the credit note counted", invoiced_pence=7_500)
    person = await read(http, base, "/spend", group_by="person", period="month", provider_id=flow.provider_id, **MARCH)
    assert [(r["group"], r["invoiced_pence"]) for r in person["rows"]] == [(flow.person, 7_500)]


async def test_a_returned_payment_reverses_paid_and_the_invoice_awaits_payment_again(http, stack, producer):
    base = stack["reporting"]
    flow = await Flow().start(producer)
    invoice_id = unique("INV-RPT")
    received = MONDAY + timedelta(days=7)
    await send(producer, issued(invoice_id, flow.provider_id, flow.agreement_id, flow.person, 10_000))
    await send(producer, approved(invoice_id, flow.provider_id, flow.agreement_id, 10_000, received_on=received))
    await send(producer, paid(invoice_id, flow.provider_id, 10_000, received + timedelta(days=12), "PAY-1"))
    await until_spend(http, base, flow.provider_id, "the invoice paid", invoiced_pence=10_000, paid_pence=10_000)

    async def prompt():
        out = await read(http, base, "/prompt-payment", provider_id=flow.provider_id, **{"from": "2031-03-01",
                                                                                          "to": "2031-04-30"})
        return out if out["by_provider"] else None
    figures = await eventually(prompt, what="prompt payment figures")
    assert figures["by_provider"][0]["average_days_to_pay"] == 12.0
    assert figures["by_provider"][0]["paid_within_30_days_pct"] == 100.0
    assert figures["awaiting_payment"] == []

    await send(producer, returned([invoice_id], flow.provider_id, 10_000, "PAY-1"))
    await until_spend(http, base, flow.provider_id, "the return reversed", invoiced_pence=10_000, paid_pence=0)
    figures = await read(http, base, "/prompt-payment", provider_id=flow.provider_id, **{"from": "2031-03-01",
                                                                                         "to": "2031-04-30"})
    assert figures["by_provider"] == []
    assert [(a["invoices"], a["value_pence"]) for a in figures["awaiting_payment"]] == [(1, 10_000)]


async def test_visits_read_before_their_agreement_move_to_its_service_type(http, stack, producer):
    base = stack["reporting"]
    flow = Flow()
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 2_400))
    await until_spend(http, base, flow.provider_id, "the visit counted", delivered_pence=2_400)
    services = await read(http, base, "/spend", group_by="service_type", period="month", provider_id=flow.provider_id,
                          **MARCH)
    assert [r["group"] for r in services["rows"]] == ["unknown"]
    await flow.start(producer)

    async def moved():
        out = await read(http, base, "/spend", group_by="service_type", period="month",
                         provider_id=flow.provider_id, **MARCH)
        return [(r["group"], r["delivered_pence"]) for r in out["rows"]] == [("home_care", 2_400)]
    await eventually(moved, what="the visit moved to home care")
    assert (await spend_of(http, base, flow.provider_id))["delivered_pence"] == 2_400
