"""Overpayments recovered by themselves, through the real consumers against Postgres alone: a residential
agreement's four-weekly invoice scheduled from the plan, put in an approved run and paid; then the person's
death notified late. Exactly one credit note takes back the days after it (CreditNoteIssued with cause and
reason, OverpaymentCredited); the same end again gives nothing more; an end brought further forward
credits only the difference (and counts only those days). The provider always keeps the invoice's amount
for the days up to the end, whatever was credited before (an officer's credit note). An approved invoice
not yet in a run is credited at once and announced again, payable up to the end."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts import agreements as ag
from contracts import payments as pay
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.payments import PAYMENTS
from services.invoicing.steps.scheduled import raise_scheduled
from services.invoicing.steps.validation import SYSTEM
from shared.events import Cause
from tests.conftest import unique
from tests.db.invoicing.test_isf_returns_http import P, a_return, an_advance, an_isf

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
    # the second note counts only the 3 days it credits (8-10 Mar), in its event and its reason
    assert [e.payload["days_after_end"] for e in await db.published("OverpaymentCredited")] == [18, 3]
    assert (await db.published("OverpaymentCredited"))[1].payload["reason"] == (
        f"Overpayment: agreement {aid} ended 8 Mar 2026; 3 day(s) after it were paid on {number}")
    assert await db.fetchval("SELECT sum(amount_pence) FROM overpayment_credits WHERE invoice_id = $1",
                             invoice_id) == 210_000

    await db.send(AGREEMENTS, _ended(pid, aid, person, day(20)))  # a later end gives nothing back, takes nothing
    assert len(await _credits(db, invoice_id)) == 2


async def test_an_approved_invoice_not_yet_in_a_run_is_credited_at_the_end_and_announced_payable_up_to_it(db):
    pid, aid, person, invoice_id = await _scheduled_invoice(db)
    number = await db.fetchval("SELECT number FROM invoices WHERE invoice_id = $1", invoice_id)
    await db.send(AGREEMENTS, _ended(pid, aid, person, day(20)))  # 7 days after the end, not yet in a run
    [note] = await _credits(db, invoice_id)
    assert (note["total_pence"], note["status"], note["source"]) == (70_000, "approved", "overpayment")
    [credited] = await db.published("OverpaymentCredited")
    assert (credited.payload["days_after_end"], credited.payload["ended_on"]) == (7, "2026-03-22")
    assert credited.payload["reason"] == (f"Overpayment: agreement {aid} ended 22 Mar 2026; 7 day(s) after the end"
                                          f" were charged on {number}, not yet paid")
    first, again = [e.payload for e in await db.published("InvoiceApproved")]
    assert (first["revision"], first["period_end"], first["last_payable_date"]) == (1, "2026-03-29", None)
    assert {k: again[k] for k in ("invoice_id", "revision", "period_end", "last_payable_date", "amount_pence")} == {
        "invoice_id": invoice_id, "revision": 2, "period_end": "2026-03-22", "last_payable_date": "2026-03-22",
        "amount_pence": 4 * WEEKLY}
    assert (await _status(db, invoice_id), await db.fetchval(
        "SELECT approval_revision FROM invoices WHERE invoice_id = $1", invoice_id)) == ("approved", 2)

    await db.send(AGREEMENTS, _ended(pid, aid, person, day(20)))  # told again: nothing more
    assert len(await _credits(db, invoice_id)) == 1 and len(await db.published("InvoiceApproved")) == 2
    await db.send(PAYMENTS, _run(unique("RUN"), invoice_id))  # scheduled later: already credited
    assert await _status(db, invoice_id) == "scheduled"
    assert len(await _credits(db, invoice_id)) == 1 and len(await db.published("OverpaymentCredited")) == 1


async def test_an_officer_s_credit_note_is_not_credited_again_the_provider_keeps_the_days_up_to_the_end(db):
    pid, aid, person, invoice_id = await _scheduled_invoice(db)
    async with db.http(app) as client:
        officer = await client.post(f"/invoices/{invoice_id}/credit-notes", headers=db.auth("finance_officer"),
                                    json={"amount_pence": 100_000, "reason": "Mrs Example went into hospital"})
    assert officer.status_code == 201, officer.text
    run_id = unique("RUN")
    await db.send(PAYMENTS, _run(run_id, invoice_id))
    await db.send(AGREEMENTS, _ended(pid, aid, person, day(9)))  # 18 days after it: £1,800.00
    notes = await _credits(db, invoice_id)
    assert [(n["source"], n["total_pence"]) for n in notes] == [("officer", 100_000), ("overpayment", 80_000)]
    assert 4 * WEEKLY - sum(n["total_pence"] for n in notes) == 10 * 10_000  # the 10 days up to the end, kept
    [credited] = await db.published("OverpaymentCredited")
    assert credited.payload["days_after_end"] == 18 and credited.payload["amount_pence"] == 80_000
    assert credited.payload["reason"].endswith("(£1,800.00 for them, of which £1,000.00 was already credited)")
    # The officer's free text stays in invoicing: published with its cause, never its words.
    by_officer, overpaid = [e.payload for e in await db.published("CreditNoteIssued")]
    assert (by_officer["cause"], by_officer["reason"]) == ("officer", None)
    assert (overpaid["cause"], overpaid["reason"]) == ("overpayment", credited.payload["reason"])
    assert await db.fetchval("SELECT reason FROM invoice_history WHERE invoice_id = $1 ORDER BY id LIMIT 1",
                             by_officer["invoice_id"]) == "Mrs Example went into hospital"


async def test_an_isf_advance_already_reduced_by_a_surplus_reclaim_keeps_the_days_up_to_a_death(db):
    pid, person = unique("PRV"), unique("P")
    isf = await an_isf(db, pid, person, weekly=25_000)  # £1,000.00 a period; the provider may keep £250.00
    advance = await an_advance(db, isf, P, InvoiceStatus.PAID, 1)
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 40_000),
                                 headers=db.auth("provider", provider=pid))
    assert sent.status_code == 201, sent.text
    assert (sent.json()["reclaim"]["amount_pence"], sent.json()["reclaim"]["method"]) == (35_000, "credit_note")
    ended = ag.AgreementEnded(agreement_id=isf.agreement_id, person_ref=person, provider_id=pid,
                              service_type=ServiceType.SUPPORTED_LIVING, payment_basis=PaymentBasis.PLAN,
                              cycle=Cycle.FOUR_WEEKLY, start=isf.start, mechanism=SpendMechanism.ISF,
                              terms=[ag.AgreementTerms(version=1, effective_from=isf.start, weekly_units=Decimal("1"),
                                                       rates=[ag.Rate(unit=RateUnit.WEEK, amount_pence=25_000)])],
                              end=P.first + timedelta(days=13), reason=ag.EndReason.DEATH)
    await db.send(AGREEMENTS, ended)  # died on the period's 14th day: £500.00 for the 14 days after
    assert db.dead == []
    notes = await _credits(db, advance)
    assert [(n["source"], n["total_pence"]) for n in notes] == [("isf_surplus", 35_000), ("overpayment", 15_000)]
    [credited] = await db.published("OverpaymentCredited")
    assert (credited.payload["days_after_end"], credited.payload["amount_pence"]) == (14, 15_000)
    assert "of which £350.00 was already credited" in credited.payload["reason"]


async def test_an_approved_invoice_with_nothing_left_to_credit_is_still_announced_payable_up_to_the_end(db):
    pid, aid, person, invoice_id = await _scheduled_invoice(db)
    async with db.http(app) as client:
        officer = await client.post(f"/invoices/{invoice_id}/credit-notes", headers=db.auth("finance_officer"),
                                    json={"amount_pence": 80_000, "reason": "care not delivered"})
    assert officer.status_code == 201, officer.text
    await db.send(AGREEMENTS, _ended(pid, aid, person, day(20)))  # 7 days after it: £700.00, already credited
    assert [n["source"] for n in await _credits(db, invoice_id)] == ["officer"]
    assert await db.published("OverpaymentCredited") == []
    again = (await db.published("InvoiceApproved"))[-1].payload
    assert (again["revision"], again["period_end"], again["last_payable_date"]) == (2, "2026-03-22", "2026-03-22")


async def test_an_invoice_announced_payable_up_to_a_late_end_names_its_agreement_s_days_up_to_it(db):
    """The re-announced approval's agreement period stops at the agreement's end (so payments, judging
    each agreement by its own end, pays it), with that end and the cost centre; its amount stays the
    lines' full amount (the invoice's), the credit note taking back the days after the end."""
    pid, aid, person = unique("PRV"), unique("AGR"), unique("P")
    await db.send(AGREEMENTS, ag.ProviderRegistered(
        provider_id=pid, name="Acme Care", cqc_provider_id="1-1234567890", cqc_location_ids=["1-1234567891"],
        service_types=[ServiceType.RESIDENTIAL], self_billing=ag.SelfBilling(in_place=False)),
        ag.ProviderBankDetailsVerified(provider_id=pid, change_id=unique("CHG")),
        _agreement(ag.AgreementActivated, pid, aid, person, cost_centre="ASC-RES"))
    run = await raise_scheduled(db.pool, db.outbox, Cause("test-overpayments", None, SYSTEM), SYSTEM, PERIOD)
    [invoice_id] = run.invoice_ids
    ended = _agreement(ag.AgreementEnded, pid, aid, person, end=day(20), reason=ag.EndReason.DEATH,
                       cost_centre="ASC-RES")
    await db.send(AGREEMENTS, ended)  # died 22 Mar, told late: 7 of the 28 days after it
    first, again = [e.payload for e in await db.published("InvoiceApproved")]
    assert first["agreement_periods"] == [{
        "agreement_id": aid, "first_day": "2026-03-02", "last_day": "2026-03-29", "amount_pence": 4 * WEEKLY,
        "last_payable_date": None, "cost_centre": "ASC-RES"}]
    assert (again["revision"], again["last_payable_date"], again["amount_pence"]) == (2, "2026-03-22", 4 * WEEKLY)
    assert again["agreement_periods"] == [{
        "agreement_id": aid, "first_day": "2026-03-02", "last_day": "2026-03-22", "amount_pence": 4 * WEEKLY,
        "last_payable_date": "2026-03-22", "cost_centre": "ASC-RES"}]
    assert sum(p["amount_pence"] for p in again["agreement_periods"]) == again["amount_pence"]
    [note] = await _credits(db, invoice_id)
    assert note["total_pence"] == 7 * 10_000
