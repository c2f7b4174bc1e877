"""Bank details: entered by one finance officer, verified by a different finance approver, never logged."""
from __future__ import annotations

import pytest

from shared.settings import REPO_ROOT
from tests.conftest import auth, envelope_of
from tests.integration.agreements.brokerage_helpers import bank_account, event_of, register_provider

pytestmark = pytest.mark.stack


async def test_a_bank_change_holds_payments_until_a_second_person_verifies_it(http, stack, tail):
    base = stack["agreements"]
    provider = await register_provider(http, base)
    pid = provider["provider_id"]
    account = bank_account(account_name="Acme Care New Bank")

    async with tail("agreements.events") as events, tail("agreements.payee-accounts") as accounts:
        changed = await http.post(f"{base}/providers/{pid}/bank-details", json=account,
                                  headers=auth("finance_officer", subject="u-maker"))
        assert changed.status_code == 202, changed.text
        change_id = changed.json()["change_id"]
        [record] = await events.wait_for(lambda r: event_of("ProviderBankDetailsChanged", pid)(r)
                                         and envelope_of(r)["payload"]["change_id"] == change_id)
        # The event that tells payments to hold carries no bank details at all.
        assert envelope_of(record)["payload"] == {"provider_id": pid, "change_id": change_id, "hold_payments": True}
        assert account["account_number"].encode() not in record.value

        held = await http.get(f"{base}/providers/{pid}", headers=auth("finance_officer"))
        assert held.json()["bank_details"]["payments_held"] is True
        assert held.json()["bank_details"]["pending_change_id"] == change_id

        verify = f"{base}/providers/{pid}/bank-details/{change_id}/verify"
        by_the_maker = await http.post(verify, headers=auth("finance_approver", subject="u-maker"))
        assert by_the_maker.status_code == 403  # whoever entered it never verifies it: a second person does
        assert "a second finance approver must" in by_the_maker.json()["detail"]
        assert (await http.post(verify, headers=auth("finance_officer", subject="u-other"))).status_code == 403

        verified = await http.post(verify, headers=auth("finance_approver", subject="u-checker"),
                                   json={"reason": "called the provider on its known number"})
        assert verified.status_code == 200 and verified.json()["status"] == "verified"
        [record] = await events.wait_for(event_of("ProviderBankDetailsVerified", pid))
        [to_payments] = await accounts.wait_for(event_of("PayeeBankDetailsVerified", pid))
    # agreements.events (kept for ever, read by every service) says only yes/no, and not the reason.
    assert envelope_of(record)["payload"] == {"provider_id": pid, "change_id": change_id, "hold_payments": False}
    assert account["account_number"].encode() not in record.value and b"known number" not in record.value
    assert envelope_of(record)["actor"] == {"id": "u-checker", "role": "finance_approver", "reason": None}
    # The account goes on agreements.payee-accounts, which only payments reads.
    assert envelope_of(to_payments)["payload"]["bank_account"] == {
        "sort_code": "200000", "account_number": account["account_number"], "account_name": "Acme Care New Bank"}
    assert envelope_of(to_payments)["actor"]["id"] == "u-checker"

    released = await http.get(f"{base}/providers/{pid}", headers=auth("finance_approver"))
    assert released.json()["bank_details"] == {"status": "verified", "pending_change_id": None,
                                               "verified_account": "****" + account["account_number"][-4:],
                                               "payments_held": False}
    again = await http.post(verify, headers=auth("finance_approver", subject="u-third"))
    assert again.status_code == 409 and again.json()["code"] == "bank_details_change_decided"
    log = (REPO_ROOT / ".local" / "logs" / "agreements.log").read_text(errors="replace")
    assert account["account_number"] not in log


async def test_only_a_finance_officer_may_change_bank_details(http, stack):
    base = stack["agreements"]
    pid = (await register_provider(http, base))["provider_id"]
    for role in ("brokerage_officer", "finance_approver", "social_worker"):
        resp = await http.post(f"{base}/providers/{pid}/bank-details", json=bank_account(), headers=auth(role))
        assert resp.status_code == 403, role
    provider_itself = await http.post(f"{base}/providers/{pid}/bank-details", json=bank_account(),
                                      headers=auth("provider", provider=pid))
    assert provider_itself.status_code == 403


async def test_registration_records_its_bank_details_as_an_unverified_change(http, stack):
    base = stack["agreements"]
    provider = await register_provider(http, base, subject="u-registrar")
    assert provider["bank_details"]["status"] == "unverified" and provider["bank_details"]["payments_held"]
    change_id = provider["bank_details"]["pending_change_id"]
    verify = f"{base}/providers/{provider['provider_id']}/bank-details/{change_id}/verify"
    assert (await http.post(verify, headers=auth("finance_approver", subject="u-registrar"))).status_code == 403
    assert (await http.post(verify, headers=auth("finance_approver", subject="u-second"))).status_code == 200
    # Officers outside finance are not shown bank details at all.
    seen = await http.get(f"{base}/providers/{provider['provider_id']}", headers=auth("brokerage_officer"))
    assert seen.json()["bank_details"] is None
