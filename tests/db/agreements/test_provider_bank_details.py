"""A provider's bank details go through the same change-and-verify steps as a PA's: an unverified change
(ProviderBankDetailsChanged on agreements.events, the fingerprint on agreements.payee-accounts), verified or
rejected by a finance approver who did not enter it, each decision with its account-free companion."""
from __future__ import annotations

import pytest

from contracts import agreements as contract, payee_accounts
from contracts.agreements import BankAccount
from shared.testing import DatabaseOnly
from services.agreements.app import app
from tests.db.agreements.pa_helpers import outbox

pytestmark = pytest.mark.db

FIRST = {"sort_code": "20-00-00", "account_number": "11111111", "account_name": "CARE CO LTD"}
SECOND = {"sort_code": "20-00-00", "account_number": "22222222", "account_name": "CARE CO LTD"}


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def test_a_providers_change_is_verified_by_a_second_person_and_a_rejection_keeps_the_last(db):
    maker, checker = db.auth("finance_officer", subject="u-maker"), db.auth("finance_approver", subject="u-checker")
    async with db.http(app) as client:
        registered = await client.post("/providers", headers=maker, json={
            "name": "Care Co", "cqc_provider_id": "1-101234567", "service_types": ["home_care"],
            "bank_account": FIRST, "self_billing": {"in_place": False}})
        assert registered.status_code == 201, registered.text
        pid = registered.json()["provider_id"]
        first = registered.json()["bank_details"]["pending_change_id"]
        assert (await client.post(f"/providers/{pid}/bank-details/{first}/verify",
                                  headers=db.auth("finance_approver", subject="u-maker"))).status_code == 403
        assert (await client.post(f"/providers/{pid}/bank-details/{first}/verify", headers=checker)).json() == {
            "provider_id": pid, "change_id": first, "status": "verified"}
        second = (await client.post(f"/providers/{pid}/bank-details", headers=maker, json=SECOND)).json()["change_id"]
        assert (await client.post(f"/providers/{pid}/bank-details/{second}/reject", headers=checker,
                                  json={"reason": "not the provider's letterhead"})).json()["status"] == "rejected"
        assert (await client.post(f"/providers/{pid}/bank-details/BDC-NOPE/verify", headers=checker)
                ).status_code == 404
        shown = (await client.get(f"/providers/{pid}", headers=maker)).json()["bank_details"]
        assert shown == {"status": "rejected", "pending_change_id": None, "verified_account": "****1111",
                         "payments_held": True}

    on_events = [(e["type"], e["actor"], e["payload"]) for e in await outbox(db, contract.TOPIC)]
    assert on_events == [
        ("ProviderRegistered", "u-maker", on_events[0][2]),
        ("ProviderBankDetailsChanged", "u-maker", {"provider_id": pid, "change_id": first, "hold_payments": True}),
        ("ProviderBankDetailsVerified", "u-checker", {"provider_id": pid, "change_id": first, "hold_payments": False}),
        ("ProviderBankDetailsChanged", "u-maker", {"provider_id": pid, "change_id": second, "hold_payments": True}),
        ("ProviderBankDetailsRejected", "u-checker", {"provider_id": pid, "change_id": second,
                                                      "previous_account_stands": True})]
    on_payee_accounts = [(e["type"], e["actor"], e["payload"]) for e in await outbox(db, payee_accounts.TOPIC)]
    first_account = BankAccount(sort_code="200000", account_number="11111111", account_name="CARE CO LTD")
    second_account = BankAccount(sort_code="200000", account_number="22222222", account_name="CARE CO LTD")
    assert on_payee_accounts == [
        ("PayeeBankDetailsEntered", "u-maker", {"provider_id": pid, "change_id": first, "hold_payments": True,
                                                "account_fingerprint": first_account.fingerprint()}),
        ("PayeeBankDetailsVerified", "u-checker", {"provider_id": pid, "change_id": first,
                                                   "bank_account": first_account.model_dump()}),
        ("PayeeBankDetailsEntered", "u-maker", {"provider_id": pid, "change_id": second, "hold_payments": True,
                                                "account_fingerprint": second_account.fingerprint()}),
        ("PayeeBankDetailsRejected", "u-checker", {"provider_id": pid, "change_id": second,
                                                   "previous_account_stands": True})]
    raw = "".join(bytes(r["value"]).decode() for r in await db.fetch("SELECT value FROM outbox"))
    assert "letterhead" not in raw
