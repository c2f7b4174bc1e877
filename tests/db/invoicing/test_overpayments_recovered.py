"""Overpayments recovered by themselves, through the real consumers against Postgres alone: a residential
agreement's four-weekly invoice scheduled from the plan, put in an approved run and paid; then the person's
death notified late. Exactly one credit note takes back the days after it (CreditNoteIssued with cause and
reason, OverpaymentCredited); the same end again gives nothing more; an end brought further forward
credits only the difference. An invoice put in a run after the end was known is credited when scheduled."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts import agreements as ag
from contracts import payments as pay
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from shared.testing import DatabaseOnly
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.payments import PAYMENTS
from services.invoicing.steps.scheduled import raise_scheduled
from services.invoicing.steps.validation import SYSTEM
from shared.events import Cause
from tests.conftest import unique

pytestmark = pytest.mark.db

PERIOD = date(2026, 3, 2)  # a four-weekly period (from the default anchor, 1 Apr 2024), long over
WEEKLY = 70_000  # £700.00 a week: £100.00 a day


def day(n: int) -> date:
    return PERIOD + timedelta(days=n)


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


def _agreement(kind: type[ag.AgreementEvent], pid: str, aid: str, person: str, **kw) -> ag.AgreementEvent:
    terms = ag.AgreementTerms(version=1, effective_from=PERIOD, weekly_units=Decimal("1"),
                              rates=[ag.Rate(unit=RateUnit.WEEK, amount_pence=WEEKLY)])
    return kind(agreement_id=aid, person_ref=person, provider_id=pid, service_type=ServiceType.RESIDENTIAL,
                payment_basis=PaymentBasis.PLAN, cycle=Cycle.FOUR_WEEKLY, start=PERIOD, terms=[terms], **kw)


def _ended(pid: str, aid: str, person: str, end: date) -> ag.AgreementEnded:
    return _agreement(ag.AgreementEnded, pid, aid, person, end=end, reason=ag.EndReason.DEATH)


async def _scheduled_invoice(db) -> tuple[str, str, str, str]:
    """A provider with verified bank details, its residential agreement, and the period's scheduled invoice
    (approved): (provider, agreement, person, invoice)."""
    pid, aid, person = unique("PRV"), unique("AGR"), unique("P")
    await db.send(AGREEMENTS, ag.ProviderRegistered(
        provider_id=pid, name="Acme Care", cqc_provider_id="1-1234567890", cqc_location_ids=["1-1234567891"],
        service_types=[ServiceType.RESIDENTIAL], self_billing=ag.SelfBilling(in_place=False)))
    await db.send(AGREEMENTS, ag.ProviderBankDetailsVerified(provider_id=pid, change_id=unique("CHG")))
    await db.send(AGREEMENTS, _agreement(ag.AgreementActivated, pid, aid, person))
    run = await raise_scheduled(db.pool, db.outbox, Cause("test-overpayments", None, SYSTEM), SYSTEM, PERIOD)
    [invoice_id] = run.invoice_ids
    assert await _status(db, invoice_id) == "approved"
    return pid, aid, person, invoice_id


async def _status(db, invoice_id: str) -> str:
    return await db.fetchval("SELECT status FROM invoices WHERE invoice_id = $1", invoice_id)


def _run(run_id: str, invoice_id: str) -> pay.PaymentRunApproved:
    return pay.PaymentRunApproved(run_id=run_id, run_number=1, kind="four_weekly", pay_date=day(40),
                                  total_pence=4 * WEEKLY, payment_count=1, invoice_ids=[invoice_id],
                                  approved_by="u-approver")


async def _credits(db, invoice_id: str) -> list:
    return await db.fetch("SELECT invoice_id, number, total_pence, status, source FROM invoices"
                          " WHERE corrects_invoice_id = $1 ORDER BY created_at", invoice_id)


async def test_a_death_notified_late_credits_what_was_paid_after_it_once_and_then_only_the_difference(db):
    pid, aid, person, invoice_id = await _scheduled_invoice(db)
    run_id = unique("RUN")
    await db.send(PAYMENTS, _run(run_id, invoice_id))
    await db.send(PAYMENTS, pay.InvoicePaid(invoice_id=invoice_id, provider_id=pid, run_id=run_id,
                                            payment_reference="CP000001-00001", paid_on=day(40),
                                            amount_pence=4 * WEEKLY))
    assert await _status(db, invoice_id) == "paid"
    number = await db.fetchval("SELECT number FROM invoices WHERE invoice_id = $1", invoice_id)

    await db.send(AGREEMENTS, _ended(pid, aid, person, day(9)))  # died 11 Mar: 18 days paid after it
    [note] = await _credits(db, invoice_id)
    assert (note["total_pence"], note["status"], note["source"]) == (180_000, "approved", "overpayment")
    reason = f"Overpayment: agreement {aid} ended 11 Mar 2026; 18 day(s) after it were paid on {number}"
    [issued] = await db.published("CreditNoteIssued")
    assert issued.payload["corrects_invoice_id"] == invoice_id and issued.payload["total_pence"] == 180_000
    assert (issued.payload["cause"], issued.payload["reason"]) == ("overpayment", reason)
    [credited] = await db.published("OverpaymentCredited")
    assert {k: credited.payload[k] for k in ("credit_note_id", "credit_note_number", "corrects_invoice_id",
                                              "agreement_id", "provider_id", "person_ref", "ended_on",
                                              "days_after_end", "amount_pence", "reason")} == {
        "credit_note_id": note["invoice_id"], "credit_note_number": note["number"], "corrects_invoice_id": invoice_id,
        "agreement_id": aid, "provider_id": pid, "person_ref": person, "ended_on": "2026-03-11",
        "days_after_end": 18, "amount_pence": 180_000, "reason": reason}
    assert credited.correlation_id == issued.correlation_id

    await db.send(AGREEMENTS, _ended(pid, aid, person, day(9)))  # told again: nothing more
    assert len(await _credits(db, invoice_id)) == 1 and len(await db.published("OverpaymentCredited")) == 1

    await db.send(AGREEMENTS, _ended(pid, aid, person, day(6)))  # the end corrected to 8 Mar: 3 more days
    notes = await _credits(db, invoice_id)
    assert [n["total_pence"] for n in notes] == [180_000, 30_000]
    assert [e.payload["days_after_end"] for e in await db.published("OverpaymentCredited")] == [18, 21]
    assert await db.fetchval("SELECT sum(amount_pence) FROM overpayment_credits WHERE invoice_id = $1",
                             invoice_id) == 210_000

    await db.send(AGREEMENTS, _ended(pid, aid, person, day(20)))  # a later end gives nothing back, takes nothing
    assert len(await _credits(db, invoice_id)) == 2


async def test_an_approved_invoice_is_left_to_payments_and_credited_once_a_run_schedules_it(db):
    pid, aid, person, invoice_id = await _scheduled_invoice(db)
    await db.send(AGREEMENTS, _ended(pid, aid, person, day(20)))  # 7 days after the end, not yet in a run
    assert await _credits(db, invoice_id) == []
    await db.send(PAYMENTS, _run(unique("RUN"), invoice_id))
    assert await _status(db, invoice_id) == "scheduled"
    [note] = await _credits(db, invoice_id)
    assert note["total_pence"] == 70_000
    [credited] = await db.published("OverpaymentCredited")
    assert (credited.payload["days_after_end"], credited.payload["ended_on"]) == (7, "2026-03-22")
