"""Facts for the invoicing stack tests, published as the agreements, delivery, queries and
payments services would publish them (envelopes on their topics), with unique references."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from contracts import agreements as ag
from contracts import payee_accounts as pa
from contracts import delivery as dl
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from contracts.envelope import Actor, Event
from shared.clock import london_date, utcnow
from shared.records import Incoming
from shared.events import Cause, envelope_for
from tests.conftest import auth, envelope_of, eventually, unique
from tests.integration.foundation.helpers import incoming, send_envelope

MONDAY = date(2026, 3, 2)  # weeks well in the past: no scheduled run of today touches them
RATE = 2400  # £24.00 an hour
TODAY = london_date(utcnow())


def agreement_and_confirmed_week(pid: str, cause: Cause) -> tuple[Incoming, Incoming, str, str]:
    """An actuals agreement of `pid` from MONDAY and its first week (three £24.00 visits) confirmed, as
    their consumers hand them to the handlers: (activated, confirmed, agreement_id, person_ref)."""
    aid, person = unique("AGR"), unique("P")
    terms = ag.AgreementTerms(version=1, effective_from=MONDAY, rates=[ag.Rate(unit=RateUnit.HOUR, amount_pence=RATE)])
    activated = ag.AgreementActivated(agreement_id=aid, person_ref=person, provider_id=pid,
                                      service_type=ServiceType.HOME_CARE, payment_basis=PaymentBasis.ACTUALS,
                                      cycle=Cycle.WEEKLY, start=MONDAY, terms=[terms])
    lines = daily_lines(aid, MONDAY)
    confirmed = dl.PeriodActualsConfirmed(
        agreement_id=aid, person_ref=person, provider_id=pid, week_start=MONDAY, confirmed_by="auto", lines=lines,
        adjustments=[], payable_minutes=sum(x.payable_minutes for x in lines),
        amount_pence=sum(x.amount_pence for x in lines), adjustments_pence=0)
    return incoming(activated, "agreements", cause), incoming(confirmed, "delivery", cause), aid, person


def week(n: int) -> date:
    return MONDAY + timedelta(days=7 * n)


async def send(producer, event: Event, *, producer_name: str, occurred_at: datetime | None = None,
               actor: Actor | None = None) -> Any:
    envelope = envelope_for(event, producer=producer_name, council_id="demo-council",
                            cause=Cause(str(uuid.uuid4()), None, actor or Actor(id=f"test:{producer_name}",
                                                                                role="system")))
    if occurred_at is not None:
        envelope = envelope.model_copy(update={"occurred_at": occurred_at})
    await send_envelope(producer, envelope)
    return envelope


async def provider(producer, db, *, self_billing: bool = True, bank_verified: bool = True) -> str:
    """A registered provider (with or without a self-billing agreement), on file in invoicing."""
    pid = unique("PRV")
    await send(producer, ag.ProviderRegistered(provider_id=pid, name="Acme Care", cqc_provider_id="1-1234567890",
                                               cqc_location_ids=["1-1234567891"], service_types=[ServiceType.HOME_CARE],
                                               self_billing=ag.SelfBilling(in_place=self_billing)),
               producer_name="agreements")
    if bank_verified:
        await verify_bank_details(producer, pid)
    await eventually(lambda: db.fetchval("SELECT bank_details_verified = $2 AND self_billing_in_place = $3 FROM"
                                         " invoicing.providers_on_file WHERE provider_id = $1", pid, bank_verified,
                                         self_billing), what=f"provider {pid} on file")
    return pid


async def verify_bank_details(producer, pid: str) -> None:
    """A change entered by one person and verified by another (payments refuses any other verification)."""
    account = ag.BankAccount(sort_code="200000", account_number="12345678", account_name="Acme Care")
    change = unique("CHG")
    # As agreements publishes them: the yes/no on agreements.events, the account on agreements.payee-accounts.
    maker = Actor(id="u-bank-maker", role="finance_officer")
    checker = Actor(id="u-bank-checker", role="finance_approver")
    await send(producer, ag.ProviderBankDetailsChanged(provider_id=pid, change_id=change),
               producer_name="agreements", actor=maker)
    await send(producer, pa.PayeeBankDetailsEntered(provider_id=pid, change_id=change,
                                                    account_fingerprint=account.fingerprint()),
               producer_name="agreements", actor=maker)
    await send(producer, ag.ProviderBankDetailsVerified(provider_id=pid, change_id=change),
               producer_name="agreements", actor=checker)
    await send(producer, pa.PayeeBankDetailsVerified(provider_id=pid, change_id=change, bank_account=account),
               producer_name="agreements", actor=checker)


async def agreement(producer, db, pid: str, *, basis: PaymentBasis = PaymentBasis.ACTUALS,
                    cycle: Cycle = Cycle.WEEKLY, start: date = MONDAY, weekly_units: str | None = None,
                    rate: int = RATE, unit: RateUnit = RateUnit.HOUR, weekly_commitment: int | None = 10_000,
                    service_type: ServiceType = ServiceType.HOME_CARE) -> tuple[str, str]:
    """An active agreement (and its commitment), on file in invoicing: (agreement_id, person_ref)."""
    aid, person = unique("AGR"), unique("P")
    terms = ag.AgreementTerms(version=1, effective_from=start, rates=[ag.Rate(unit=unit, amount_pence=rate)],
                              weekly_units=Decimal(weekly_units) if weekly_units else None)
    await send(producer, ag.AgreementActivated(agreement_id=aid, person_ref=person, provider_id=pid,
                                               service_type=service_type, payment_basis=basis, cycle=cycle, start=start,
                                               terms=[terms]), producer_name="agreements")
    if weekly_commitment is not None:
        await send(producer, ag.CommitmentChanged(
            person_ref=person, as_of=start, weekly_commitment_pence=weekly_commitment,
            annual_commitment_pence=weekly_commitment * 52, exceeded=False,
            lines=[ag.CommitmentLine(agreement_id=aid, kind="agreement", service_type=service_type, provider_id=pid,
                                     weekly_pence=weekly_commitment, annual_pence=weekly_commitment * 52)]),
            producer_name="agreements")
        await eventually(lambda: db.fetchval("SELECT true FROM invoicing.commitments WHERE agreement_id = $1", aid),
                         what=f"commitment of {aid} on file")
    await eventually(lambda: db.fetchval("SELECT true FROM invoicing.agreements_on_file WHERE agreement_id = $1", aid),
                     what=f"agreement {aid} on file")
    return aid, person


def line(aid: str, day: date, minutes: int = 60, *, carer: str = "C-1", rate: int = RATE,
         revision: int = 1) -> dl.ActualsLine:
    start = datetime(day.year, day.month, day.day, 9, 0)
    return dl.ActualsLine(visit_key=f"{aid}/{start.isoformat()}", visit_id=f"V-{day:%m%d}", carer_id=carer,
                          local_date=day, payable_minutes=minutes, rate_pence_per_hour=rate,
                          amount_pence=(minutes * rate + 30) // 60, revision=revision)


def daily_lines(aid: str, monday: date, days: int = 3) -> list[dl.ActualsLine]:
    """An hour's visit on each of the first `days` days of the week: £24.00 each."""
    return [line(aid, monday + timedelta(days=n)) for n in range(days)]


async def confirm_week(producer, pid: str, aid: str, person: str, monday: date, lines: list[dl.ActualsLine],
                       adjustments: list[dl.ActualsAdjustment] = ()) -> Any:
    return await send(producer, dl.PeriodActualsConfirmed(
        agreement_id=aid, person_ref=person, provider_id=pid, week_start=monday, confirmed_by="auto", lines=lines,
        adjustments=list(adjustments), payable_minutes=sum(x.payable_minutes for x in lines),
        amount_pence=sum(x.amount_pence for x in lines),
        adjustments_pence=sum(a.amount_pence_delta for a in adjustments)), producer_name="delivery")


def invoicing_event(event_type: str, invoice_id: str | None = None, **payload):
    """A tail predicate: an invoicing event of this type (for this invoice) whose payload has these values."""
    def match(record) -> bool:
        env = envelope_of(record)
        if env["event_type"] != event_type or (invoice_id and env["payload"].get("invoice_id") != invoice_id):
            return False
        return all(env["payload"].get(k) == v for k, v in payload.items())
    return match


def about_agreement(event_type: str, aid: str):
    return lambda r: envelope_of(r)["event_type"] == event_type and aid in envelope_of(r)["payload"].get(
        "agreement_ids", [])


async def invoice(http, base: str, invoice_id: str, **who) -> dict[str, Any]:
    resp = await http.get(f"{base}/invoices/{invoice_id}", headers=auth(**who) if who else auth("finance_officer"))
    assert resp.status_code == 200, resp.text
    return resp.json()


def due(received_on: str | date, days: int = 30) -> str:
    """The date `days` after the day the invoice was received: the test reads that day from the service, so
    a run that crosses midnight is not a day out."""
    received = date.fromisoformat(received_on) if isinstance(received_on, str) else received_on
    return (received + timedelta(days=days)).isoformat()


def utc(days_from_now: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days_from_now)
