"""A bank details verification changes where a provider is paid only for a change payments was told
about: the same change id, provider and account, verified by someone other than who entered it
(the envelopes' actors). Anything else is dead-lettered with its reason, counted, and leaves the
payee's account as it was; a verification delivered again is applied once. Run through payments'
own consumer of agreements.payee-accounts (the only topic bank details travel on) against Postgres alone."""
from __future__ import annotations

import pytest

from contracts import agreements, payee_accounts
from contracts.envelope import Actor
from shared.metrics import REGISTRY
from shared.testing import DatabaseOnly
from services.payments.handlers.agreements import PAYEE_ACCOUNTS

pytestmark = pytest.mark.db

PID = "PRV-BANK-1"
MAKER = Actor(id="u-maker", role="finance_officer")
CHECKER = Actor(id="u-checker", role="finance_approver")
OLD = agreements.BankAccount(sort_code="200000", account_number="11111111", account_name="CARE CO LTD")
NEW = agreements.BankAccount(sort_code="200000", account_number="22222222", account_name="CARE CO LTD")
PAYEE = "SELECT bank_status, change_id, sort_code, account_number, account_name FROM payees WHERE provider_id = $1"


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def change(db: DatabaseOnly, change_id: str, account: agreements.BankAccount, *, by: Actor = MAKER,
                 provider_id: str = PID) -> None:
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsEntered(
        provider_id=provider_id, change_id=change_id, account_fingerprint=account.fingerprint()), actor=by)


def verification(change_id: str, account: agreements.BankAccount, *,
                 provider_id: str = PID) -> payee_accounts.PayeeBankDetailsVerified:
    return payee_accounts.PayeeBankDetailsVerified(provider_id=provider_id, change_id=change_id, bank_account=account)


async def payee(db: DatabaseOnly, provider_id: str = PID) -> dict | None:
    row = (await db.fetch(PAYEE, provider_id) or [None])[0]
    return dict(row) if row is not None else None


def refused(reason: str) -> float:
    return REGISTRY.get_sample_value("carepay_payments_bank_verifications_refused_total", {"reason": reason}) or 0.0


async def test_a_change_verified_by_a_second_person_pays_to_its_account(db):
    await change(db, "BDC-1", NEW)
    assert (await payee(db))["bank_status"] == "held"
    await db.send(PAYEE_ACCOUNTS, verification("BDC-1", NEW), actor=CHECKER)
    assert db.dead == []
    assert await payee(db) == {"bank_status": "verified", "change_id": "BDC-1", "sort_code": "200000",
                               "account_number": "22222222", "account_name": "CARE CO LTD"}
    assert [dict(r) for r in await db.fetch("SELECT status, entered_by, decided_by FROM bank_changes")] == [
        {"status": "verified", "entered_by": "u-maker", "decided_by": "u-checker"}]


FORGED = {
    "unknown change id": (verification("BDC-NEVER-SENT", NEW), CHECKER, "unknown_bank_change"),
    "another sort code": (verification("BDC-2", NEW.model_copy(update={"sort_code": "309999"})), CHECKER,
                          "bank_change_mismatch"),
    "another account number": (verification("BDC-2", NEW.model_copy(update={"account_number": "99999999"})),
                               CHECKER, "bank_change_mismatch"),
    "another account name": (verification("BDC-2", NEW.model_copy(update={"account_name": "FRAUD LTD"})), CHECKER,
                             "bank_change_mismatch"),
    "another provider": (verification("BDC-2", NEW, provider_id="PRV-BANK-2"), CHECKER, "bank_change_mismatch"),
    "verified by who entered it": (verification("BDC-2", NEW), MAKER, "bank_change_self_verified"),
    "a superseded change": (verification("BDC-SUPERSEDED", OLD), CHECKER, "bank_change_not_pending"),
}


@pytest.mark.parametrize("forged, verifier, reason", FORGED.values(), ids=FORGED.keys())
async def test_any_other_verification_is_dead_lettered_and_leaves_the_account_as_it_was(db, forged, verifier,
                                                                                        reason):
    await change(db, "BDC-1", OLD)
    await db.send(PAYEE_ACCOUNTS, verification("BDC-1", OLD), actor=CHECKER)
    await change(db, "BDC-SUPERSEDED", OLD)
    await change(db, "BDC-2", NEW)  # pending: payments held, OLD kept in case it is rejected
    before, other_before, count_before = await payee(db), await payee(db, "PRV-BANK-2"), refused(reason)
    assert before == {"bank_status": "held", "change_id": "BDC-2", "sort_code": "200000",
                      "account_number": "11111111", "account_name": "CARE CO LTD"}

    await db.send(PAYEE_ACCOUNTS, forged, actor=verifier)

    assert [(d.reason, d.message.envelope.event_type) for d in db.dead] == [
        (reason, "PayeeBankDetailsVerified")]
    assert forged.change_id in db.dead[0].error and forged.provider_id in db.dead[0].error
    assert "22222222" not in db.dead[0].error and "99999999" not in db.dead[0].error
    assert await payee(db) == before
    assert await payee(db, "PRV-BANK-2") == other_before is None
    assert refused(reason) == count_before + 1  # once, though the consumer tried it twice before dead-lettering
    # The genuine verification of the pending change still goes through afterwards.
    await db.send(PAYEE_ACCOUNTS, verification("BDC-2", NEW), actor=CHECKER)
    assert len(db.dead) == 1
    assert (await payee(db))["account_number"] == "22222222"


async def test_a_verification_delivered_again_is_applied_once(db):
    await change(db, "BDC-1", OLD)
    [first] = await db.send(PAYEE_ACCOUNTS, verification("BDC-1", OLD), actor=CHECKER)
    await change(db, "BDC-2", NEW)
    await db.send(PAYEE_ACCOUNTS, verification("BDC-2", NEW), actor=CHECKER)

    await db.send(PAYEE_ACCOUNTS, first)  # the same record again (the inbox knows its event id)
    await db.send(PAYEE_ACCOUNTS, verification("BDC-1", OLD), actor=CHECKER)  # published again, a new event id

    assert db.dead == []
    assert await payee(db) == {"bank_status": "verified", "change_id": "BDC-2", "sort_code": "200000",
                               "account_number": "22222222", "account_name": "CARE CO LTD"}
    assert [dict(r) for r in await db.fetch("SELECT change_id, status, decided_by FROM bank_changes"
                                            " ORDER BY change_id")] == [
        {"change_id": "BDC-1", "status": "verified", "decided_by": "u-checker"},
        {"change_id": "BDC-2", "status": "verified", "decided_by": "u-checker"}]
