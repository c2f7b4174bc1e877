"""Events as the owning services publish them, with unique references, and reads of the reporting API.

Facts are dated in 2031, so no period another service confirms, bills or pays today is touched, and
invoices fall due long after any payment run proposed meanwhile.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

from contracts import agreements as ag
from contracts import delivery as dl
from contracts import invoicing as inv
from contracts import payments as pay
from contracts import queries as qr
from contracts import requests as rq
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from contracts.envelope import Actor, Event
from shared.events import Cause, envelope_for
from tests.conftest import auth, eventually, unique
from tests.integration.foundation.helpers import send_envelope

MONDAY = date(2031, 3, 3)
MARCH = {"from": "2031-03-01", "to": "2031-03-31"}


async def send(producer, event: Event, *, actor: Actor | None = None) -> None:
    service = event.TOPIC.split(".")[0]
    envelope = envelope_for(event, producer=service, council_id="demo-council",
                            cause=Cause(str(uuid.uuid4()), None, actor or Actor(id=f"system:{service}", role="system")))
    await send_envelope(producer, envelope)


def agreement(aid: str, person: str, pid: str, *, start: date = MONDAY,
              service_type: ServiceType = ServiceType.HOME_CARE) -> ag.AgreementActivated:
    return ag.AgreementActivated(
        agreement_id=aid, person_ref=person, provider_id=pid, service_type=service_type,
        payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, start=start,
        terms=[ag.AgreementTerms(version=1, effective_from=start,
                                 rates=[ag.Rate(unit=RateUnit.HOUR, amount_pence=2400)])])


def commitment(person: str, aid: str, pid: str, weekly: int, *, as_of: date = MONDAY) -> ag.CommitmentChanged:
    return ag.CommitmentChanged(
        person_ref=person, as_of=as_of, weekly_budget_pence=None, weekly_commitment_pence=weekly,
        annual_commitment_pence=weekly * 52, exceeded=False,
        lines=[ag.CommitmentLine(agreement_id=aid, kind="agreement", service_type=ServiceType.HOME_CARE,
                                 provider_id=pid, weekly_pence=weekly, annual_pence=weekly * 52)])


def budget(person: str, weekly: int, contribution: int = 0) -> rq.BudgetAgreed:
    return rq.BudgetAgreed(request_id=unique("REQ"), person_ref=person, weekly_budget_pence=weekly,
                           weekly_contribution_pence=contribution)


def visit(aid: str, person: str, pid: str, day: date, amount: int, *, revision: int = 1, carer: str = "C-1",
          flags: tuple[str, ...] = ()) -> dl.VisitVerified:
    planned = datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)
    return dl.VisitVerified(
        agreement_id=aid, person_ref=person, provider_id=pid, visit_key=f"{aid}/{day}/09:00", visit_id=f"V-{day}",
        carer_id=carer, revision=revision, local_date=day, week_start=day - timedelta(days=day.weekday()),
        planned_start=planned, planned_minutes=60, actual_minutes=60, payable_minutes=60, rate_pence_per_hour=2400,
        amount_pence=amount, flags=[dl.VisitFlag(code=f, reason=f"test: {f}") for f in flags])


def missed(aid: str, person: str, pid: str, day: date) -> dl.VisitMissed:
    return dl.VisitMissed(agreement_id=aid, person_ref=person, provider_id=pid, visit_key=f"{aid}/{day}/18:00",
                          local_date=day, planned_start=datetime(day.year, day.month, day.day, 18, tzinfo=timezone.utc),
                          planned_minutes=30, carers_required=1)


def issued(invoice_id: str, pid: str, aid: str, person: str, total: int, *, kind: str = "self_billed",
           corrects: str | None = None) -> inv.InvoiceDocument:
    common = dict(invoice_id=invoice_id, provider_id=pid, number=f"N-{invoice_id[-8:]}", kind=kind,
                  agreement_ids=[aid], person_refs=[person], service_type=ServiceType.HOME_CARE, period_start=MONDAY,
                  period_end=MONDAY + timedelta(days=6), total_pence=total, line_count=1)
    if kind == "credit_note":
        return inv.CreditNoteIssued(**common, corrects_invoice_id=corrects)
    return inv.InvoiceIssued(**common)


def approved(invoice_id: str, pid: str, aid: str, amount: int, *, revision: int = 1,
             received_on: date = MONDAY + timedelta(days=7)) -> inv.InvoiceApproved:
    return inv.InvoiceApproved(
        invoice_id=invoice_id, provider_id=pid, revision=revision, number=f"N-{invoice_id[-8:]}", kind="self_billed",
        agreement_ids=[aid], service_type=ServiceType.HOME_CARE, period_start=MONDAY,
        period_end=MONDAY + timedelta(days=6), amount_pence=amount, received_on=received_on, valid_on=received_on,
        due_date=received_on + timedelta(days=30))


def paid(invoice_id: str, pid: str, amount: int, paid_on: date, reference: str) -> pay.InvoicePaid:
    return pay.InvoicePaid(invoice_id=invoice_id, provider_id=pid, run_id="RUN-T", payment_reference=reference,
                           paid_on=paid_on, amount_pence=amount)


def returned(invoice_ids: list[str], pid: str, amount: int, reference: str) -> pay.PaymentReturned:
    return pay.PaymentReturned(run_id="RUN-T", provider_id=pid, payment_reference=reference, amount_pence=amount,
                               invoice_ids=invoice_ids, reason="account closed",
                               returned_on=MONDAY + timedelta(days=40))


def query_raised(query_id: str, pid: str, category: qr.QueryCategory, due: datetime) -> qr.QueryRaised:
    return qr.QueryRaised(query_id=query_id, subject_kind=qr.SubjectKind.INVOICE, subject_id=unique("INV"),
                          provider_id=pid, category=category, raised_by_role=qr.PartyRole.PROVIDER,
                          disputes_invoice=False, attachment_count=0, acknowledge_due_at=due,
                          resolve_due_at=due + timedelta(days=10))


class Flow:
    """A provider, a person and an agreement of their own (unique references)."""

    def __init__(self, prefix: str = "RPT") -> None:
        self.provider_id = unique(f"PRV-{prefix}")
        self.person = unique(f"P-{prefix}")
        self.agreement_id = unique(f"AGR-{prefix}")

    async def start(self, producer, weekly_commitment: int = 7_000) -> "Flow":
        await send(producer, ag.ProviderRegistered(
            provider_id=self.provider_id, name=f"Report Care {self.provider_id[-4:]}", cqc_provider_id="1-1234567890",
            cqc_location_ids=[], service_types=[ServiceType.HOME_CARE], self_billing=ag.SelfBilling(in_place=True)))
        await send(producer, agreement(self.agreement_id, self.person, self.provider_id))
        await send(producer, commitment(self.person, self.agreement_id, self.provider_id, weekly_commitment))
        return self


async def read(http: httpx.AsyncClient, base: str, path: str, role: str = "finance_officer", **params: Any) -> Any:
    resp = await http.get(f"{base}{path}", params=params, headers=auth(role))
    assert resp.status_code == 200, resp.text
    return resp.json() if resp.headers["content-type"].startswith("application/json") else resp.text


async def spend_of(http, base: str, provider_id: str, period: str = "month", **params: Any) -> dict[str, int]:
    """The provider's totals over March 2031 (or the range given)."""
    out = await read(http, base, "/spend", group_by="provider", period=period, provider_id=provider_id,
                     **({**MARCH, **params}))
    return out["totals"]


async def until_spend(http, base: str, provider_id: str, what: str, **expected: int) -> dict[str, int]:
    async def check():
        totals = await spend_of(http, base, provider_id)
        return totals if all(totals[k] == v for k, v in expected.items()) else None
    return await eventually(check, timeout=30, what=what)
