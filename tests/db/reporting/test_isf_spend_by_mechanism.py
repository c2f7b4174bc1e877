"""ISF advances (invoices of kind isf_advance) and the credit notes against them are ISF spend; a credit note
for an overpayment reduces the spend of its agreement's mechanism; whatever order the topics are read in.
Events in through reporting's own consumers, figures out through its HTTP API, on a fresh reporting schema."""
from __future__ import annotations

import pytest

from contracts import invoicing as inv
from contracts.common import ServiceType, SpendMechanism
from shared.testing import DatabaseOnly
from services.reporting.app import app
from services.reporting.handlers.agreements import AGREEMENTS
from services.reporting.handlers.invoicing import INVOICING
from services.reporting.handlers.payments import PAYMENTS
from tests.db.reporting.isf_events import APRIL_4W, MARCH_4W, approved, credit_note, isf_advance_issued
from tests.db.reporting.mechanism_events import MARCH, agreement, commitment, invoice_paid

pytestmark = pytest.mark.db
ISF, HOME = "PRV-ISF", "PRV-HOME"
MEASURES = ("committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")


def agreements_events() -> list:
    return [agreement("AGR-ISF", "P-ISF", ISF, mechanism=SpendMechanism.ISF),
            agreement("AGR-CA", "P-CA", HOME),
            commitment("P-ISF", ("AGR-ISF", "agreement", ISF, 21_000)),
            commitment("P-CA", ("AGR-CA", "agreement", HOME, 7_000))]


def invoicing_events() -> list:
    scheduled = inv.InvoiceIssued(invoice_id="SC-1", provider_id=HOME, number="SC-1", kind="scheduled",
                                  agreement_ids=["AGR-CA"], person_refs=["P-CA"], service_type=ServiceType.HOME_CARE,
                                  period_start=MARCH_4W[0], period_end=MARCH_4W[1], total_pence=30_000, line_count=1)
    return [
        # March's advance, approved; a surplus the provider held reclaimed against it
        isf_advance_issued("IA-1", ISF, "AGR-ISF", "P-ISF", MARCH_4W, 84_000),
        approved("IA-1", ISF, "AGR-ISF", MARCH_4W, 84_000),
        credit_note("CN-SURPLUS", "IA-1", ISF, "AGR-ISF", "P-ISF", MARCH_4W, 9_000, "isf_surplus",
                    "ISF surplus above one week's budget reclaimed"),
        # an advance raised then voided counts nothing
        isf_advance_issued("IA-VOID", ISF, "AGR-ISF", "P-ISF", APRIL_4W, 84_000),
        inv.InvoiceVoided(invoice_id="IA-VOID", provider_id=ISF, reason="raised in error"),
        # a council-arranged invoice, paid, then part of it credited: the agreement ended on 22 March
        scheduled, approved("SC-1", HOME, "AGR-CA", MARCH_4W, 30_000, kind="scheduled"),
        credit_note("CN-OVER", "SC-1", HOME, "AGR-CA", "P-CA", (MARCH_4W[1].replace(day=23), MARCH_4W[1]), 7_500,
                    "overpayment",
                    "Overpayment: agreement AGR-CA ended 22 Mar 2026; 7 day(s) after it were paid on SC-1"),
    ]


def payments_events() -> list:
    return [invoice_paid("IA-1", ISF, 84_000, "PAY-IA"), invoice_paid("SC-1", HOME, 30_000, "PAY-SC")]


# (committed, delivered, invoiced, paid) over March 2026; committed is the weekly rate x 30 days / 7
EXPECTED = {"isf": (90_000, 0, 84_000 - 9_000, 84_000), "council_arranged": (30_000, 0, 30_000 - 7_500, 30_000)}


async def by(db: DatabaseOnly, group_by: str, **params) -> dict:
    async with db.http(app) as client:
        answer = await client.get("/spend", params={**MARCH, "group_by": group_by, **params},
                                  headers=db.auth("finance_officer"))
    assert answer.status_code == 200, answer.text
    return {row["group"]: tuple(row[m] for m in MEASURES) for row in answer.json()["rows"]}


@pytest.mark.parametrize("order", [(AGREEMENTS, INVOICING, PAYMENTS), (PAYMENTS, INVOICING, AGREEMENTS)],
                         ids=["agreements first", "agreements last"])
async def test_isf_advances_and_their_credit_notes_are_isf_spend_and_an_overpayment_reduces_its_mechanism(order):
    events = {AGREEMENTS.name: agreements_events(), INVOICING.name: invoicing_events(),
              PAYMENTS.name: payments_events()}
    async with DatabaseOnly("reporting") as db:
        for consumer in order:
            await db.send(consumer, *events[consumer.name])
        assert db.dead == []
        assert await by(db, "mechanism") == EXPECTED
        assert await by(db, "person", mechanism="isf") == {"P-ISF": EXPECTED["isf"]}
        assert await by(db, "provider", mechanism="council_arranged") == {HOME: EXPECTED["council_arranged"]}
        # Nothing is left under `unknown`, in any grouping.
        assert "unknown" not in await by(db, "mechanism", period="week")


async def test_a_credit_note_read_again_counts_once():
    async with DatabaseOnly("reporting") as db:
        await db.send(AGREEMENTS, *agreements_events())
        await db.send(INVOICING, *invoicing_events())
        await db.send(INVOICING, *invoicing_events()[2:3])  # the surplus credit note again, in a new envelope
        assert (await by(db, "mechanism"))["isf"][2] == 84_000 - 9_000
