"""Setting up what payments is told (as the upstream services would publish it) and driving its API.

Every provider, invoice and direct payment gets a unique reference; runs are scoped to the test's
own providers and direct payments, so tests run beside each other and beside other engineers' data.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from contracts import agreements, invoicing, payee_accounts, queries
from contracts.common import Cycle, Nominee, PaymentBasis, RateUnit, ServiceType
from contracts.envelope import Actor, Event
from shared.calendar import is_working_day
from shared.clock import london_date, utcnow
from shared.events import Cause, envelope_for
from tests.conftest import auth, envelope_of, eventually, unique
from tests.integration.foundation.helpers import send_envelope

FINANCE = auth("finance_officer", subject="u-payments-reader")


def today() -> date:
    return london_date(utcnow())


def working_day_after(days: int) -> date:
    """A working day at least `days` ahead: far enough for the Bacs submission deadline."""
    day = today() + timedelta(days=days)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


# A bank details change is entered by one person and verified by another (payments refuses anything else).
BANK_MAKER = Actor(id="u-bank-maker", role="finance_officer")
BANK_CHECKER = Actor(id="u-bank-checker", role="finance_approver")


async def send(producer, event: Event, by: str = "system", *, actor: Actor | None = None) -> None:
    service = event.TOPIC.split(".")[0]
    envelope = envelope_for(event, producer=service, council_id="demo-council",
                            cause=Cause(str(uuid.uuid4()), None, actor or Actor(id=f"test-{service}", role=by)))
    await send_envelope(producer, envelope)


def account_number() -> str:
    return "".join(random.choices("0123456789", k=8))


@dataclass
class Payee:
    provider_id: str
    account: agreements.BankAccount


async def payee(producer, http: httpx.AsyncClient, base: str, *, verified: bool = True) -> Payee:
    """A registered provider whose bank details a second person verified (or not yet)."""
    pid = unique("PRV-PAY")
    account = agreements.BankAccount(sort_code="200000", account_number=account_number(), account_name=f"CARE {pid}")
    change = unique("BDC")
    await send(producer, agreements.ProviderRegistered(
        provider_id=pid, name=f"Care Co {pid}", cqc_provider_id="1-" + account_number() + "12", cqc_location_ids=[],
        service_types=[ServiceType.HOME_CARE], self_billing=agreements.SelfBilling(in_place=False)))
    # Bank details reach payments only on agreements.payee-accounts (agreements.events says only yes/no).
    await send(producer, payee_accounts.PayeeBankDetailsEntered(provider_id=pid, change_id=change,
                                                                account_fingerprint=account.fingerprint()),
               actor=BANK_MAKER)
    if verified:
        await send(producer, payee_accounts.PayeeBankDetailsVerified(provider_id=pid, change_id=change,
                                                                     bank_account=account), actor=BANK_CHECKER)
    await wait_for_payee(http, base, pid, "verified" if verified else "held")
    return Payee(pid, account)


async def wait_for_payee(http: httpx.AsyncClient, base: str, provider_id: str, status: str) -> None:
    async def seen():
        resp = await http.get(f"{base}/payees/{provider_id}", headers=FINANCE)
        return resp.status_code == 200 and resp.json()["bank_status"] == status
    await eventually(seen, what=f"payee {provider_id} {status}")


def approved(provider_id: str, pence: int, *, due: date, received_on: date | None = None,
             valid_on: date | None = None, period: tuple[date, date] | None = None, revision: int = 1,
             service_type: ServiceType = ServiceType.HOME_CARE, agreement_ids: list[str] | None = None,
             last_payable_date: date | None = None, invoice_id: str | None = None) -> invoicing.InvoiceApproved:
    received_on = received_on or due - timedelta(days=30)
    period = period or (received_on - timedelta(days=13), received_on - timedelta(days=7))
    invoice_id = invoice_id or unique("INV-PAY")
    return invoicing.InvoiceApproved(
        invoice_id=invoice_id, provider_id=provider_id, revision=revision, number=f"P-{invoice_id[-6:]}",
        kind="provider", agreement_ids=agreement_ids or [], service_type=service_type, period_start=period[0],
        period_end=period[1], amount_pence=pence, received_on=received_on, valid_on=valid_on or received_on,
        due_date=due, last_payable_date=last_payable_date)


async def invoice_state(http: httpx.AsyncClient, base: str, invoice_id: str) -> dict[str, Any] | None:
    resp = await http.get(f"{base}/invoices/{invoice_id}", headers=FINANCE)
    return resp.json() if resp.status_code == 200 else None


async def approve_invoices(producer, http: httpx.AsyncClient, base: str, *invoices: invoicing.InvoiceApproved) -> None:
    for invoice in invoices:
        await send(producer, invoice)
    for invoice in invoices:
        async def seen(invoice=invoice):
            state = await invoice_state(http, base, invoice.invoice_id)
            return state and state["state"] == "approved" and state["revision"] == invoice.revision
        await eventually(seen, what=f"invoice {invoice.invoice_id} approved in payments")


async def dispute(producer, http, base, invoice: invoicing.InvoiceApproved, *, open_: bool = True,
                  query_id: str | None = None) -> str:
    """Open a dispute on the invoice (or close the one `query_id` opened); wait until payments knows."""
    query_id = query_id or unique("QRY-PAY")
    model = queries.DisputeOpened if open_ else queries.DisputeClosed
    await send(producer, model(query_id=query_id, invoice_id=invoice.invoice_id, provider_id=invoice.provider_id))

    async def seen():
        state = await invoice_state(http, base, invoice.invoice_id)
        return state and state["disputed"] is open_
    await eventually(seen, what=f"dispute of {invoice.invoice_id} seen by payments")
    return query_id


def agreement_ended(agreement_id: str, provider_id: str, start: date, end: date) -> agreements.AgreementEnded:
    return agreements.AgreementEnded(
        agreement_id=agreement_id, person_ref=unique("P"), provider_id=provider_id,
        service_type=ServiceType.HOME_CARE, payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, start=start,
        end=end, terms=[agreements.AgreementTerms(version=1, effective_from=start,
                                                  rates=[agreements.Rate(unit=RateUnit.HOUR, amount_pence=2400)])],
        reason=agreements.EndReason.NEEDS_CHANGED)


def direct_payment(start: date, *, weekly_budget: int, weekly_contribution: int = 0, council_managed: bool = False,
                   agreement_id: str | None = None) -> agreements.DirectPaymentAgreed:
    return agreements.DirectPaymentAgreed(
        agreement_id=agreement_id or unique("DP-PAY"), person_ref=unique("P-DP"),
        nominee=Nominee.COUNCIL if council_managed else Nominee.PERSON,
        start=start, amount_per_four_weeks_pence=4 * (weekly_budget - weekly_contribution),
        weekly_budget_pence=weekly_budget, weekly_contribution_pence=weekly_contribution,
        first_review_due=start + timedelta(days=90))


def payee_account_of(dp: agreements.DirectPaymentAgreed) -> payee_accounts.DirectPaymentPayeeAccountSet:
    """The payee account agreements publishes beside `dp`, on agreements.payee-accounts (the same for the
    same agreement)."""
    digits = f"{int.from_bytes(dp.agreement_id.encode()[-6:], 'big') % 10 ** 8:08d}"
    account = agreements.BankAccount(sort_code="309634", account_number=digits, account_name="J SMITH")
    return payee_accounts.DirectPaymentPayeeAccountSet(agreement_id=dp.agreement_id, payee_account=account)


async def propose(http: httpx.AsyncClient, base: str, body: dict, *, subject: str | None = None) -> dict[str, Any]:
    resp = await http.post(f"{base}/payment-runs", json={k: v.isoformat() if isinstance(v, date) else v
                                                        for k, v in body.items()},
                           headers=auth("finance_officer", subject=subject or unique("u-maker")))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def approve(http: httpx.AsyncClient, base: str, run_id: str, *, subject: str | None = None) -> httpx.Response:
    return await http.post(f"{base}/payment-runs/{run_id}/approve",
                           headers=auth("finance_approver", subject=subject or unique("u-checker")))


async def approved_and_exported(http: httpx.AsyncClient, base: str, run_id: str) -> dict[str, Any]:
    resp = await approve(http, base, run_id)
    assert resp.status_code == 200, resp.text
    exported = await http.post(f"{base}/payment-runs/{run_id}/export", headers=auth("finance_officer"))
    assert exported.status_code == 200, exported.text
    return exported.json()


def payment_of(run: dict[str, Any], payee_id: str) -> dict[str, Any]:
    [payment] = [p for p in run["payments"] if p["payee_id"] == payee_id]
    return payment


def events_of(records, event_type: str, key: str | None = None) -> list[dict[str, Any]]:
    return [envelope_of(r) for r in records
            if envelope_of(r)["event_type"] == event_type and (key is None or r.key == key.encode())]
