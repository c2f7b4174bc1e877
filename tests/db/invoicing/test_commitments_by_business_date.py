"""Commitments by business date, through invoicing's real consumers and HTTP API against a fresh invoicing
schema: a week confirmed after its agreement was suspended is self-billed and approved against the rate in
force that week (not today's £0), and an approved provider invoice naming several agreements says, per
agreement, the days it charges, their amount, the agreement's end and its cost centre."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts import agreements as ag
from contracts import delivery as dl
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.delivery import DELIVERY
from tests.conftest import unique
from tests.integration.invoicing.invoicing_helpers import daily_lines

pytestmark = pytest.mark.db
MONDAY = date(2026, 3, 2)  # weeks long over
NEXT_MONDAY = MONDAY + timedelta(days=7)
RATE = 2400  # £24.00 an hour: three visits, £72.00 in the week
WEEKLY = 7_200


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


async def _provider(db, *, self_billing: bool) -> str:
    pid = unique("PRV")
    await db.send(AGREEMENTS, ag.ProviderRegistered(
        provider_id=pid, name="Acme Care", cqc_provider_id="1-1234567890", cqc_location_ids=["1-1234567891"],
        service_types=[ServiceType.HOME_CARE, ServiceType.RESIDENTIAL],
        self_billing=ag.SelfBilling(in_place=self_billing)))
    await db.send(AGREEMENTS, ag.ProviderBankDetailsVerified(provider_id=pid, change_id=unique("CHG")))
    return pid


def _commitment(person: str, aid: str, pid: str, as_of: date, weekly: int, rates: list[tuple[date, int]],
                service_type: ServiceType = ServiceType.HOME_CARE) -> ag.CommitmentChanged:
    line = ag.CommitmentLine(agreement_id=aid, kind="agreement", service_type=service_type, provider_id=pid,
                             weekly_pence=weekly, annual_pence=weekly * 52,
                             rates=[ag.WeeklyRate(from_date=d, weekly_pence=w) for d, w in rates])
    return ag.CommitmentChanged(person_ref=person, as_of=as_of, weekly_commitment_pence=weekly,
                                annual_commitment_pence=weekly * 52, exceeded=False, lines=[line])


@pytest.mark.parametrize(("rates_then", "rates_after_suspension", "outcome"), [
    ([(MONDAY, WEEKLY)], [(MONDAY, WEEKLY)], "InvoiceApproved"),  # as agreements publishes them
    ([(MONDAY, WEEKLY)], [], "InvoiceApproved"),  # a later event without rates keeps those on file
    ([], [], "InvoiceHeld"),  # no rates ever said: today's weekly figure (£0) is all there is
])
async def test_a_week_confirmed_after_a_later_suspension_is_bounded_by_the_rate_in_force_that_week(
        db, rates_then, rates_after_suspension, outcome):
    pid = await _provider(db, self_billing=True)
    aid, person = unique("AGR"), unique("P")
    terms = ag.AgreementTerms(version=1, effective_from=MONDAY, rates=[ag.Rate(unit=RateUnit.HOUR, amount_pence=RATE)])
    agreement = dict(agreement_id=aid, person_ref=person, provider_id=pid, service_type=ServiceType.HOME_CARE,
                     payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, start=MONDAY, terms=[terms],
                     cost_centre="ASC-NORTH")
    await db.send(AGREEMENTS, ag.AgreementActivated(**agreement))
    await db.send(AGREEMENTS, _commitment(person, aid, pid, MONDAY, WEEKLY, rates_then))
    suspension = ag.SuspensionPeriod(suspended_from=NEXT_MONDAY, reason="hospital")
    await db.send(AGREEMENTS, ag.AgreementSuspended(**agreement, suspensions=[suspension],
                                                    suspended_from=NEXT_MONDAY, reason="hospital"))
    await db.send(AGREEMENTS, _commitment(person, aid, pid, NEXT_MONDAY, 0, rates_after_suspension))

    lines = daily_lines(aid, MONDAY)  # the week before the suspension, confirmed after it
    await db.send(DELIVERY, dl.PeriodActualsConfirmed(
        agreement_id=aid, person_ref=person, provider_id=pid, week_start=MONDAY, confirmed_by="auto", lines=lines,
        adjustments=[], payable_minutes=sum(x.payable_minutes for x in lines),
        amount_pence=sum(x.amount_pence for x in lines), adjustments_pence=0))

    [invoice] = await db.fetch("SELECT invoice_id, status, total_pence FROM invoices WHERE agreement_id = $1", aid)
    assert invoice["total_pence"] == WEEKLY
    [told] = [e for e in await db.published("InvoiceApproved", "InvoiceHeld")
              if e.payload["invoice_id"] == invoice["invoice_id"]]
    assert told.event_type == outcome, told.payload
    if outcome == "InvoiceHeld":
        assert [r["code"] for r in told.payload["reasons"]] == ["above_commitment"]
        return
    assert invoice["status"] == "approved"
    assert told.payload["agreement_periods"] == [{
        "agreement_id": aid, "first_day": MONDAY.isoformat(), "last_day": (MONDAY + timedelta(days=2)).isoformat(),
        "amount_pence": WEEKLY, "last_payable_date": None, "cost_centre": "ASC-NORTH"}]


def _residential(pid: str, cost_centre: str | None, end: date | None = None) -> ag.AgreementActivated:
    terms = ag.AgreementTerms(version=1, effective_from=MONDAY, weekly_units=Decimal("1"),
                              rates=[ag.Rate(unit=RateUnit.WEEK, amount_pence=70_000)])
    return ag.AgreementActivated(agreement_id=unique("AGR"), person_ref=unique("P"), provider_id=pid,
                                 service_type=ServiceType.RESIDENTIAL, payment_basis=PaymentBasis.PLAN,
                                 cycle=Cycle.FOUR_WEEKLY, start=MONDAY, end=end, terms=[terms],
                                 cost_centre=cost_centre)


async def test_an_approved_provider_invoice_names_each_agreements_days_amount_end_and_cost_centre(db):
    pid = await _provider(db, self_billing=False)
    wednesday = MONDAY + timedelta(days=2)
    homes = [_residential(pid, "ASC-RES"), _residential(pid, "ASC-NORTH", end=wednesday), _residential(pid, None)]
    await db.send(AGREEMENTS, *homes)
    for home in homes:
        await db.send(AGREEMENTS, _commitment(home.person_ref, home.agreement_id, pid, MONDAY, 70_000,
                                              [(MONDAY, 70_000)], ServiceType.RESIDENTIAL))
    first, ended, unsaid = homes
    sunday = MONDAY + timedelta(days=6)

    def line(home: ag.AgreementActivated, start: date, end: date, pence: int) -> dict:
        return {"agreement_ref": home.agreement_id, "service_user_ref": home.person_ref, "amount_pence": pence,
                "date_from": start.isoformat(), "date_to": end.isoformat()}

    body = {"invoice_number": unique("INV"), "period_start": MONDAY.isoformat(), "period_end": sunday.isoformat(),
            "lines": [line(first, MONDAY, MONDAY + timedelta(days=3), 40_000),
                      line(ended, MONDAY, wednesday, 30_000),  # its last day: died on the Wednesday
                      line(first, MONDAY + timedelta(days=4), sunday, 30_000),
                      line(unsaid, MONDAY, sunday, 70_000)]}
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/invoices", json=body, headers=db.auth("provider", provider=pid))
    assert sent.status_code == 201, sent.text
    assert sent.json()["status"] == "approved", sent.json()

    [approved] = await db.published("InvoiceApproved")
    assert approved.payload["amount_pence"] == 170_000
    assert approved.payload["agreement_periods"] == [
        {"agreement_id": first.agreement_id, "first_day": MONDAY.isoformat(), "last_day": sunday.isoformat(),
         "amount_pence": 70_000, "last_payable_date": None, "cost_centre": "ASC-RES"},
        {"agreement_id": ended.agreement_id, "first_day": MONDAY.isoformat(), "last_day": wednesday.isoformat(),
         "amount_pence": 30_000, "last_payable_date": wednesday.isoformat(), "cost_centre": "ASC-NORTH"},
        {"agreement_id": unsaid.agreement_id, "first_day": MONDAY.isoformat(), "last_day": sunday.isoformat(),
         "amount_pence": 70_000, "last_payable_date": None, "cost_centre": None}]
    kept = await db.fetch("SELECT agreement_id, cost_centre FROM agreements_on_file ORDER BY agreement_id")
    assert {r["agreement_id"]: r["cost_centre"] for r in kept} == {
        first.agreement_id: "ASC-RES", ended.agreement_id: "ASC-NORTH", unsaid.agreement_id: None}
