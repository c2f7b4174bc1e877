"""Registering a personal assistant: the PA as they stand on agreements.events (no name, no account), their
account on agreements.payee-accounts as an unverified change with the PA's pa_id as payee, all in one
transaction; a finance approver other than whoever entered it verifies or rejects it. Through the agreements
service's own HTTP API against its schema alone."""
from __future__ import annotations

import pytest

from contracts import agreements as contract, payee_accounts
from contracts.agreements import BankAccount
from contracts.common import Nominee
from shared.testing import DatabaseOnly
from services.agreements.app import app
from tests.db.agreements.pa_helpers import (ACCOUNT, BANK_HOLIDAY, DAY, NAME, NIGHT, direct_payment, outbox, pa_body,
                                            raw_outbox)

pytestmark = pytest.mark.db

ENTERED_ACCOUNT = BankAccount(sort_code="401122", account_number="12345678", account_name="JANE PA")


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def test_a_pa_registered_for_a_council_managed_payment_is_published_without_name_or_account(db):
    async with db.http(app) as client:
        dp = await direct_payment(db, client)
        answer = await client.post(f"/direct-payments/{dp}/personal-assistants", headers=db.auth(
            "finance_officer", subject="u-maker"), json=pa_body(employed_to="2026-12-31",
                                                                rates=[DAY, NIGHT, BANK_HOLIDAY]))
        assert answer.status_code == 201, answer.text
        pa = answer.json()
        pa_id = pa["pa_id"]
        assert pa_id.startswith("PA-")
        assert {k: v for k, v in pa.items() if k not in ("pa_id", "bank_details")} == {
            "direct_payment_id": dp, "person_ref": "P-PA-1", "name": NAME, "employee_ref": "EMP-001",
            "employed_from": "2026-03-02", "employed_to": "2026-12-31", "rates": [DAY, NIGHT, BANK_HOLIDAY]}
        change_id = pa["bank_details"]["pending_change_id"]
        assert pa["bank_details"] == {"status": "unverified", "pending_change_id": change_id,
                                      "verified_account": None, "payments_held": True}

    [registered] = await outbox(db, contract.TOPIC, "PersonalAssistantRegistered")
    assert registered == {"type": "PersonalAssistantRegistered", "actor": "u-maker", "payload": {
        "pa_id": pa_id, "direct_payment_id": dp, "person_ref": "P-PA-1", "employee_ref": "EMP-001",
        "employed_from": "2026-03-02", "employed_to": "2026-12-31", "rates": [DAY, NIGHT, BANK_HOLIDAY]}}
    assert await outbox(db, payee_accounts.TOPIC, "PayeeBankDetailsEntered") == [
        {"type": "PayeeBankDetailsEntered", "actor": "u-maker", "payload": {
            "provider_id": pa_id, "change_id": change_id, "account_fingerprint": ENTERED_ACCOUNT.fingerprint(),
            "hold_payments": True}}]
    # Nothing about a PA's account reaches agreements.events: no ProviderBankDetailsChanged for a PA.
    assert [e["type"] for e in await outbox(db, contract.TOPIC) if e["type"].startswith("ProviderBank")] == []
    everything_kept_for_ever = await raw_outbox(db, contract.TOPIC)
    for secret in (NAME, ACCOUNT["account_number"], ACCOUNT["account_name"], "401122"):
        assert secret not in everything_kept_for_ever
    assert NAME not in await raw_outbox(db, payee_accounts.TOPIC)
    [kept] = await db.fetch("SELECT name, employee_ref FROM personal_assistants WHERE pa_id = $1", pa_id)
    assert dict(kept) == {"name": NAME, "employee_ref": "EMP-001"}
    assert [r["action"] for r in await db.fetch("SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY id",
                                                pa_id)] == ["personal_assistant_registered", "bank_details_changed"]


async def test_a_second_person_verifies_the_pas_account_and_payments_learn_it(db):
    async with db.http(app) as client:
        dp = await direct_payment(db, client)
        maker = db.auth("brokerage_officer", subject="u-maker")
        pa = (await client.post(f"/direct-payments/{dp}/personal-assistants", headers=maker, json=pa_body())).json()
        pa_id, change_id = pa["pa_id"], pa["bank_details"]["pending_change_id"]
        base = f"/personal-assistants/{pa_id}/bank-details/{change_id}"

        assert (await client.post(f"{base}/verify", headers=db.auth("finance_officer"))).status_code == 403
        same_person = await client.post(f"{base}/verify", headers=db.auth("finance_approver", subject="u-maker"))
        assert same_person.status_code == 403  # not whoever entered it: a second person
        assert "a second finance approver must" in same_person.json()["detail"]
        verified = await client.post(f"{base}/verify", json={"reason": "called the PA back on a known number"},
                                     headers=db.auth("finance_approver", subject="u-checker"))
        assert verified.status_code == 200, verified.text
        assert verified.json() == {"pa_id": pa_id, "change_id": change_id, "status": "verified"}
        decided = await client.post(f"{base}/reject", headers=db.auth("finance_approver"))
        assert (decided.status_code, decided.json()["code"]) == (409, "bank_details_change_decided")
        shown = (await client.get(f"/personal-assistants/{pa_id}", headers=db.auth("finance_officer"))).json()
        assert shown["bank_details"] == {"status": "verified", "pending_change_id": None,
                                         "verified_account": "****5678", "payments_held": False}

    [event] = await outbox(db, payee_accounts.TOPIC, "PayeeBankDetailsVerified")
    assert event == {"type": "PayeeBankDetailsVerified", "actor": "u-checker", "payload": {
        "provider_id": pa_id, "change_id": change_id, "bank_account": ENTERED_ACCOUNT.model_dump()}}
    assert "called the PA back" not in await raw_outbox(db, payee_accounts.TOPIC)  # the reason: audit log only
    [audit] = await db.fetch("SELECT reason FROM audit_log WHERE subject_id = $1 AND action = 'bank_details_verified'",
                             pa_id)
    assert audit["reason"] == "called the PA back on a known number"


async def test_a_new_account_is_a_change_of_its_own_and_a_rejection_keeps_the_verified_one(db):
    async with db.http(app) as client:
        dp = await direct_payment(db, client, nominee=Nominee.PERSON, person="P-HOLDER")
        person = db.auth("person", person="P-HOLDER", subject="u-holder")
        pa = (await client.post(f"/direct-payments/{dp}/personal-assistants", headers=person, json=pa_body())).json()
        pa_id, first = pa["pa_id"], pa["bank_details"]["pending_change_id"]
        approver = db.auth("finance_approver", subject="u-checker")
        assert (await client.post(f"/personal-assistants/{pa_id}/bank-details/{first}/verify",
                                  headers=approver)).status_code == 200

        new_account = {"sort_code": "401122", "account_number": "87654321", "account_name": "JANE PA"}
        changed = await client.post(f"/personal-assistants/{pa_id}/bank-details", headers=person, json=new_account)
        assert changed.status_code == 202, changed.text
        second = changed.json()["change_id"]
        assert changed.json() == {"pa_id": pa_id, "change_id": second, "status": "unverified"}
        held = (await client.get(f"/personal-assistants/{pa_id}", headers=person)).json()["bank_details"]
        assert held == {"status": "unverified", "pending_change_id": second, "verified_account": "****5678",
                        "payments_held": True}
        rejected = await client.post(f"/personal-assistants/{pa_id}/bank-details/{second}/reject", headers=approver)
        assert rejected.json()["status"] == "rejected"
        assert (await client.post(f"/personal-assistants/{pa_id}/bank-details/BDC-NOPE/verify",
                                  headers=approver)).status_code == 404
        assert (await client.post(f"/personal-assistants/PA-000000000000/bank-details/{second}/verify",
                                  headers=approver)).status_code == 404

    entered = await outbox(db, payee_accounts.TOPIC, "PayeeBankDetailsEntered")
    assert [(e["actor"], e["payload"]["provider_id"], e["payload"]["change_id"]) for e in entered] == [
        ("u-holder", pa_id, first), ("u-holder", pa_id, second)]
    [rejection] = await outbox(db, payee_accounts.TOPIC, "PayeeBankDetailsRejected")
    assert rejection["payload"] == {"provider_id": pa_id, "change_id": second, "previous_account_stands": True}
    assert [e["type"] for e in await outbox(db, contract.TOPIC) if "Bank" in e["type"]] == []
