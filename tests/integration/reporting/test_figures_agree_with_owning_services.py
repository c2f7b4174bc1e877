"""Reporting's delivered, invoiced and paid agree to the penny with what delivery, invoicing and payments
say through their own APIs, after a week of care goes through the real services end to end."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.agreements import BankAccount, ProviderBankDetailsChanged, ProviderBankDetailsVerified
from contracts.payee_accounts import PayeeBankDetailsEntered, PayeeBankDetailsVerified
from tests.conftest import auth, eventually, unique
from tests.integration.delivery.delivery_helpers import WEEK, Setup, known_to_delivery, slot, terms, visit_record
from tests.integration.payments.payments_helpers import (BANK_CHECKER, BANK_MAKER, approve, propose, wait_for_payee,
                                                         working_day_after)
from tests.integration.reporting.reporting_helpers import commitment, read, send

pytestmark = pytest.mark.stack
FINANCE = auth("finance_officer")
INVOICED = ("approved", "scheduled", "paid")


async def test_delivered_invoiced_and_paid_agree_to_the_penny_with_the_owning_services(http, stack, producer):
    delivery, invoicing, payments, reporting = (stack[s] for s in ("delivery", "invoicing", "payments", "reporting"))
    setup = await Setup(producer).register()
    pid = setup.provider_id
    change = unique("BDC")
    account = BankAccount(sort_code="200000", account_number="31926819", account_name="TEST CARE LTD")
    await send(producer, ProviderBankDetailsChanged(provider_id=pid, change_id=change), actor=BANK_MAKER)
    await send(producer, PayeeBankDetailsEntered(provider_id=pid, change_id=change,
                                                 account_fingerprint=account.fingerprint()), actor=BANK_MAKER)
    await send(producer, ProviderBankDetailsVerified(provider_id=pid, change_id=change), actor=BANK_CHECKER)
    await send(producer, PayeeBankDetailsVerified(provider_id=pid, change_id=change, bank_account=account),
               actor=BANK_CHECKER)
    days = [WEEK + timedelta(days=n) for n in range(3)]
    agreement = await setup.activate(terms(slot(days[0], "09:00", 30), slot(days[1], "09:00", 45),
                                           slot(days[2], "09:00", 60), pence=2_385))
    aid, person = agreement["agreement_id"], agreement["person"]
    await send(producer, commitment(person, aid, pid, 10_000, as_of=WEEK - timedelta(days=7)))
    await known_to_delivery(http, delivery, setup, aid)
    await wait_for_payee(http, payments, pid, "verified")

    # A week of visits (one short, one corrected afterwards), through the provider's HTTP feed.
    as_provider = auth("provider", provider=pid)
    wednesday = visit_record(setup, person, days[2], minutes=60, stayed=40, visit_id="V-WED")
    batch = [visit_record(setup, person, days[0], minutes=30, stayed=31),
             visit_record(setup, person, days[1], minutes=45, stayed=20), wednesday]
    for records in (batch, [{**wednesday, **visit_record(setup, person, days[2], minutes=60, stayed=58,
                                                          visit_id="V-WED")}]):
        resp = await http.post(f"{delivery}/providers/{setup.provider_id}/visits", json=records, headers=as_provider)
        assert resp.status_code == 200, resp.text

    async def period():
        shown = (await http.get(f"{delivery}/agreements/{aid}/periods/{WEEK}", headers=FINANCE)).json()
        return shown if shown.get("visits") == 3 and shown["amount_pence"] > 0 else None
    delivered = (await eventually(period, what="the week's actuals in delivery"))["amount_pence"]
    confirmed = await http.post(f"{delivery}/agreements/{aid}/periods/{WEEK}/confirm", headers=as_provider)
    assert confirmed.status_code == 200, confirmed.text

    # Self-billed and approved by invoicing, then paid by a run that a second person approved.
    async def invoices():
        listed = (await http.get(f"{invoicing}/invoices", params={"provider_id": pid}, headers=FINANCE)).json()
        return listed if listed and all(i["status"] in INVOICED for i in listed) else None
    listed = await eventually(invoices, timeout=60, what="the self-billed invoice approved")
    invoiced = sum(-i["total_pence"] if i["kind"] == "credit_note" else i["total_pence"] for i in listed)

    async def payable():
        states = [(await http.get(f"{payments}/invoices/{i['invoice_id']}", headers=FINANCE)) for i in listed]
        return all(s.status_code == 200 and s.json()["state"] == "approved" for s in states)
    await eventually(payable, what="the invoice payable in payments")
    run = await propose(http, payments, {"pay_date": working_day_after(7), "kind": "ad_hoc", "providers": [pid],
                                         "pay_early": [i["invoice_id"] for i in listed]})
    approval = await approve(http, payments, run["run_id"])
    assert approval.status_code == 200, approval.text
    exported = await http.post(f"{payments}/payment-runs/{run['run_id']}/export", headers=FINANCE)
    assert exported.status_code == 200, exported.text
    [payment] = [p for p in run["payments"] if p["payee_id"] == pid]
    confirmation = f"payment_reference,status,reason\r\n{payment['payment_reference']},paid,\r\n"
    done = await http.post(f"{payments}/payment-runs/{run['run_id']}/confirmations", content=confirmation,
                           headers={**FINANCE, "content-type": "text/csv"})
    assert done.status_code == 200, done.text
    shown_run = (await http.get(f"{payments}/payment-runs/{run['run_id']}", headers=FINANCE)).json()
    paid = sum(p["amount_pence"] for p in shown_run["payments"] if p["payee_id"] == pid)

    async def reported():
        out = await read(http, reporting, "/spend", group_by="provider", period="week", provider_id=pid,
                         **{"from": str(WEEK), "to": str(WEEK)})
        # Delivered, invoiced and paid come from three topics, each read by its own consumer (and the visits in
        # as many batches as that consumer takes): paid alone says nothing of the other two. Wait for all three.
        totals = out["totals"]
        figures = (totals["delivered_pence"], totals["invoiced_pence"], totals["paid_pence"])
        return totals if figures == (delivered, invoiced, paid) else None
    totals = await eventually(reported, timeout=30, what="the flow's delivered, invoiced and paid in reporting")
    assert delivered > 0 and invoiced > 0 and paid > 0
    assert (totals["delivered_pence"], totals["invoiced_pence"], totals["paid_pence"]) == (delivered, invoiced, paid)
    person = await read(http, reporting, f"/people/{person}/budget", period="week",
                        **{"from": str(WEEK), "to": str(WEEK)})
    assert person["totals"]["delivered_pence"] == delivered and person["totals"]["paid_pence"] == paid
